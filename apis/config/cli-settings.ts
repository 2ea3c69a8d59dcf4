/**
 * Resolving what a CLI invocation needs from the configuration before it runs: the daemon's
 * settings (daemon-config.ts) and the store (store-settings.ts), from one read of the files.
 *
 * The files are read only when they exist and can matter: the node file for the daemon's keys and
 * the store; the user file for the store alone, so only when its text mentions `store` or the
 * node file's, a flag or a variable selects `kubernetes` (then it may give the cluster) — and not
 * when the flags or variables decide the store by themselves (`--kubeconfig`, `--store embedded`,
 * `NEXUS_STORE=embedded`). With no file, nothing is loaded (three `existsSync` calls); a user file
 * that does not mention `store` costs one read. A file that is read is validated whole: a broken
 * one fails the command (ValidationError, file:line:col), since it may be what selects the store.
 * Only the variables of these keys count, so an unrelated bad `NEXUS_*` value does not break
 * `boulder get`.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { daemonEnv, homeOfEnv } from './daemon-config.ts';
import { daemonSettingsOf, flagAndEnvEntries, STATE_DIR_FLAG, type DaemonSettings, type SettingEntry } from './daemon-settings.ts';
import { locateNodeConfig, locateUserConfig } from './paths.ts';
import { STORE_FLAG, STORE_KEYS, STORE_VARIABLES, storeFlagAndEnvEntries, storeSettingsOf, type StoreFlags, type StoreSettings } from './store-settings.ts';

/** Inputs of resolveCliSettings. */
export interface ResolveCliOptions {
  /** `--state-dir` as typed, if given. */
  stateDirFlag?: string | undefined;
  /** `--store`, `--kubeconfig` and `--context` as typed. */
  storeFlags?: StoreFlags;
  /**
   * Whether the configuration (files and variables) may select the store. False for commands that
   * choose their cluster themselves (the daemon serves its state dir; `boulder controller`): only
   * the flags count then. Default true.
   */
  configuredStore?: boolean;
  env: NodeJS.ProcessEnv;
  /** Working directory (relative flag and variable paths). Default process.cwd(). */
  cwd?: string;
  /** Home directory. Default $HOME of `env`, else os.homedir(). */
  home?: string;
  /** Node files looked for when NEXUS_NODE_CONFIG is unset (tests). Default NODE_CONFIG_CANDIDATES. */
  nodeConfigCandidates?: readonly string[];
}

/** The daemon's settings and the store of one invocation. */
export interface CliSettings {
  daemon: DaemonSettings;
  store: StoreSettings;
}

/**
 * Whether the text of a configuration file may set `store` — a `store:` key anywhere, in block or
 * flow style (a cheap read: a false positive only costs parsing the file; a word such as "restore"
 * in a comment is none). An unreadable file counts, so that reading it reports why.
 */
const STORE_KEY = /(^|[\s{,"'])store["']?\s*:/m;

function mentionsStore(path: string): boolean {
  try {
    return STORE_KEY.test(readFileSync(path, 'utf8'));
  } catch {
    return true;
  }
}

/** `env` reduced to the variables of the daemon's keys, the files, and (when they count) the store. */
function relevantEnv(env: NodeJS.ProcessEnv, configuredStore: boolean): NodeJS.ProcessEnv {
  const reduced = daemonEnv(env);
  if (configuredStore) for (const name of STORE_VARIABLES) if (env[name] !== undefined) reduced[name] = env[name];
  return reduced;
}

/**
 * The daemon's settings (`--state-dir` > NEXUS_* > node file > defaults) and the store (see
 * storeSettingsOf). Throws the configuration's ValidationError when a file that is read is broken,
 * a file a variable names is missing, or a flag or variable value is bad.
 */
export async function resolveCliSettings(options: ResolveCliOptions): Promise<CliSettings> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const home = options.home ?? homeOfEnv(options.env);
  const configuredStore = options.configuredStore ?? true;
  const env = relevantEnv(options.env, configuredStore);
  const flags = options.storeFlags ?? {};
  const candidates = options.nodeConfigCandidates === undefined ? {} : { nodeConfigCandidates: options.nodeConfigCandidates };
  const daemonHigh = flagAndEnvEntries({ stateDirFlag: options.stateDirFlag, env, cwd });
  const storeHigh = storeFlagAndEnvEntries(flags.store, configuredStore ? env : {}, cwd);
  /** The store's entries when the configuration does not count: `--store` alone. */
  const onlyFlag = (key: string): SettingEntry | undefined => storeFlagAndEnvEntries(flags.store, {}, cwd)?.get(key);
  if (daemonHigh === undefined || storeHigh === undefined) {
    // A bad value: the full loader reports it (and every other problem) as the configuration does.
    const [{ loadEffectiveConfig }, { flagSettings }] = await Promise.all([import('./load.ts'), import('./flag-layer.ts')]);
    const typed: Record<string, string> = {};
    if (options.stateDirFlag !== undefined) typed[STATE_DIR_FLAG.slice(2)] = options.stateDirFlag;
    if (flags.store !== undefined) typed[STORE_FLAG.slice(2)] = flags.store;
    const config = await loadEffectiveConfig({ cwd, home, env, flags: flagSettings(typed), repoRoot: false, warnings: false, ...candidates });
    const entry = (key: string): SettingEntry | undefined => config.entry(key);
    return { daemon: daemonSettingsOf(entry, home), store: storeSettingsOf(configuredStore ? entry : onlyFlag, flags, cwd) };
  }
  const high = (key: string): SettingEntry | undefined => daemonHigh.get(key) ?? storeHigh.get(key);
  // The user file can only set the store; it matters unless the flags or variables decide it alone.
  const storeUndecided = configuredStore && (flags.kubeconfig === undefined || flags.kubeconfig === '') && storeHigh.get(STORE_KEYS.kind)?.value !== 'embedded';
  const node = locateNodeConfig(env, cwd, options.nodeConfigCandidates);
  const userFile = storeUndecided ? locateUserConfig(env, cwd, home) : undefined;
  // A user file that never mentions `store` cannot select the store; it still gives the cluster
  // when a lower or higher layer selects `kubernetes`.
  const storeElsewhere = storeHigh.get(STORE_KEYS.kind)?.value === 'kubernetes' || (node !== undefined && mentionsStore(node.path));
  const user = userFile !== undefined && (storeElsewhere || mentionsStore(userFile.path)) ? userFile : undefined;
  const levels = [...(node === undefined ? [] : ['node' as const]), ...(user === undefined ? [] : ['user' as const])];
  if (levels.length === 0) return { daemon: daemonSettingsOf(high, home), store: storeSettingsOf(high, flags, cwd) };
  // The flag and variables are the highest layers: their values win over the files' outright.
  const { loadMachineConfig } = await import('./machine-config.ts');
  const files = await loadMachineConfig({ cwd, home, env, levels, ...candidates });
  const entry = (key: string): SettingEntry | undefined => high(key) ?? files.entry(key);
  return { daemon: daemonSettingsOf(entry, home), store: storeSettingsOf(configuredStore ? entry : onlyFlag, flags, cwd) };
}
