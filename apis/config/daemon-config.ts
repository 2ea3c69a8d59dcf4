/**
 * Resolving the daemon's settings (state dir, socket, log level) for a CLI invocation. Of the
 * files only the node file can set them (DAEMON_KEY_LEVELS). When it does not exist only the flag
 * and variables can, and the settings are computed without loading the configuration machinery
 * (the cost of two `existsSync` calls). Otherwise the node file is read, validated and turned into
 * a layer as for every other key — a broken file is a ValidationError with file:line:col — and
 * the flag and variables, the highest layers, win over it. Only the variables that concern the daemon count, so an unrelated bad `NEXUS_*` value fails
 * the commands that use it, not every command.
 */
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { DAEMON_KEY_LEVELS, daemonSettingsOf, flagAndEnvEntries, LOG_LEVEL_VARIABLE, STATE_DIR_FLAG, STATE_DIR_VARIABLE, type DaemonSettings } from './daemon-settings.ts';
import { NODE_CONFIG_VARIABLE, USER_CONFIG_VARIABLE, locateNodeConfig, locateUserConfig } from './paths.ts';

/** Inputs of resolveDaemonSettings. */
export interface ResolveDaemonOptions {
  /** `--state-dir` as typed, if given. */
  stateDirFlag?: string | undefined;
  env: NodeJS.ProcessEnv;
  /** Working directory (relative flag and variable paths). Default process.cwd(). */
  cwd?: string;
  /** Home directory. Default $HOME of `env`, else os.homedir(). */
  home?: string;
  /** Node files looked for when NEXUS_NODE_CONFIG is unset (tests). Default NODE_CONFIG_CANDIDATES. */
  nodeConfigCandidates?: readonly string[];
}

/** The variables the daemon's settings depend on: those of its keys and those naming the files. */
const DAEMON_VARIABLES = [STATE_DIR_VARIABLE, LOG_LEVEL_VARIABLE, NODE_CONFIG_VARIABLE, USER_CONFIG_VARIABLE];

/** `env` reduced to DAEMON_VARIABLES. */
export function daemonEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(DAEMON_VARIABLES.filter((name) => env[name] !== undefined).map((name) => [name, env[name]]));
}

/** $HOME of `env`, else the system's home directory. */
export function homeOfEnv(env: NodeJS.ProcessEnv): string {
  const home = env['HOME'];
  return home !== undefined && home !== '' ? home : homedir();
}

/**
 * The daemon's settings: `--state-dir` > NEXUS_* variables > (user file: has no such keys) > node
 * file (`daemon.*`, and `multi_user` for the default state dir) > built-in defaults. Throws the
 * configuration's ValidationError when the node file (or NEXUS_NODE_CONFIG naming it) is broken,
 * or a flag or variable value is.
 */
export async function resolveDaemonSettings(options: ResolveDaemonOptions): Promise<DaemonSettings> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const home = options.home ?? homeOfEnv(options.env);
  const env = daemonEnv(options.env);
  const candidates = options.nodeConfigCandidates === undefined ? {} : { nodeConfigCandidates: options.nodeConfigCandidates };
  const high = flagAndEnvEntries({ stateDirFlag: options.stateDirFlag, env, cwd });
  if (high === undefined) {
    // A bad value: the full loader reports it (and every other problem) as the configuration does.
    const [{ loadEffectiveConfig }, { flagSettings }] = await Promise.all([import('./load.ts'), import('./flag-layer.ts')]);
    const flags = flagSettings(options.stateDirFlag === undefined ? {} : { [STATE_DIR_FLAG.slice(2)]: options.stateDirFlag });
    const config = await loadEffectiveConfig({ cwd, home, env, flags, repoRoot: false, warnings: false, ...candidates });
    return daemonSettingsOf((key) => config.entry(key), home);
  }
  const located = {
    node: () => locateNodeConfig(env, cwd, options.nodeConfigCandidates),
    user: () => locateUserConfig(env, cwd, home),
  };
  if (!DAEMON_KEY_LEVELS.some((level) => located[level]() !== undefined)) return daemonSettingsOf((key) => high.get(key), home);
  // The flag and variables are the highest layers: their values win over the files' outright.
  const { loadMachineConfig } = await import('./machine-config.ts');
  const files = await loadMachineConfig({ cwd, home, env, levels: DAEMON_KEY_LEVELS, ...candidates });
  return daemonSettingsOf((key) => high.get(key) ?? files.entry(key), home);
}
