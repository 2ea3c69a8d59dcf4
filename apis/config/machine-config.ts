/**
 * Reading the machine's configuration files — the node file and the user file — into layers, and
 * loading only them (what the daemon's settings come from below the flag and variables). Kept apart
 * from load.ts so that path imports neither the project, flag, environment and secret layers nor
 * the checks of the merged configuration.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { ValidationError, type FieldIssue } from '../errors.ts';
import type { EffectiveConfig } from './effective.ts';
import { fileLayer } from './file-layers.ts';
import { mergeLayers } from './merge.ts';
import { multiUserLayer } from './multi-user.ts';
import { displayPath, locateNodeConfig, locateUserConfig, type ConfigFileLocation } from './paths.ts';
import { readConfigFile, type ConfigFile } from './config-file.ts';
import type { ConfigLayer } from './types.ts';

/**
 * Reads and validates the file at `location` (nothing when there is none, or it is missing and was
 * not required). A missing required file and every problem of the file go to `issues`.
 */
export async function readLocated(level: ConfigFile['level'], location: ConfigFileLocation | undefined, show: (p: string) => string, issues: FieldIssue[]): Promise<ConfigFile | undefined> {
  if (location === undefined) return undefined;
  const shown = show(location.path);
  if (!existsSync(location.path)) {
    if (location.required && location.namedBy !== undefined) {
      issues.push({ path: location.namedBy, message: `names ${shown}, which does not exist (set it empty to use no ${level} configuration)` });
    } else if (location.required) {
      issues.push({ file: shown, path: '', message: `no such ${level} configuration file` });
    }
    return undefined;
  }
  const result = await readConfigFile(level, location.path, shown);
  issues.push(...result.issues);
  return result.file;
}

/** The layers of the node and user files (and of multi-user mode); their problems go to `issues`. */
export function machineLayers(node: ConfigFile | undefined, user: ConfigFile | undefined, home: string, issues: FieldIssue[]): ConfigLayer[] {
  const layers: ConfigLayer[] = [];
  for (const file of [node, user]) {
    if (file === undefined) continue;
    const built = fileLayer(file, { home });
    issues.push(...built.issues);
    const multiUser = file.level === 'node' ? multiUserLayer(file, built.layer.values) : undefined;
    if (multiUser !== undefined) layers.push(multiUser);
    layers.push(built.layer);
  }
  return layers;
}

/** Options of loadMachineConfig; everything defaults to the real process. */
export interface MachineConfigOptions {
  /** Directory relative NEXUS_*_CONFIG paths resolve against. Default process.cwd(). */
  cwd?: string;
  /** Home directory (user file, `~/`). Default os.homedir(). */
  home?: string;
  /** Environment: NEXUS_NODE_CONFIG / NEXUS_USER_CONFIG. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Node files looked for when NEXUS_NODE_CONFIG is unset. Default /etc/nexus/config.yaml, /opt/nexus/etc/config.yaml. */
  nodeConfigCandidates?: readonly string[];
  /** Which files to read. Default both. */
  levels?: readonly ('node' | 'user')[];
}

/**
 * Only the node and/or user files, read, validated and merged like loadEffectiveConfig does (no
 * project, flags, variables or checks of the merged values): what the daemon's settings come from
 * below the flag and variables. Throws one ValidationError listing the files' problems.
 */
export async function loadMachineConfig(options: MachineConfigOptions = {}): Promise<EffectiveConfig> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const home = options.home ?? homedir();
  const env = options.env ?? process.env;
  const show = (path: string): string => displayPath(path, cwd, home);
  const issues: FieldIssue[] = [];
  const levels = options.levels ?? ['node', 'user'];
  const node = levels.includes('node') ? await readLocated('node', locateNodeConfig(env, cwd, options.nodeConfigCandidates), show, issues) : undefined;
  const user = levels.includes('user') ? await readLocated('user', locateUserConfig(env, cwd, home), show, issues) : undefined;
  const layers = machineLayers(node, user, home, issues);
  if (issues.length > 0) throw new ValidationError(issues);
  return mergeLayers(layers);
}
