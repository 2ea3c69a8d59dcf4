/**
 * The daemon's settings — state directory, control socket, log level — as the effective
 * configuration gives them (flag > NEXUS_* variable > user file > node file > default), and the
 * same settings from the flag and variables alone, for the common case that no configuration file
 * exists (then nothing else can set them, and the configuration machinery need not load). Pure.
 */
import { join, resolve } from 'node:path';
import type { NodeDaemon } from '../types/index.ts';
import type { ValueOrigin } from './types.ts';

/** A level of the daemon's log (pino's levels and `silent`). */
export type DaemonLogLevel = NonNullable<NodeDaemon['log_level']>;

/** Every level `daemon.log_level` accepts (the node schema's enum). */
export const DAEMON_LOG_LEVELS: readonly DaemonLogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** Log level when nothing sets `daemon.log_level`. */
export const DEFAULT_DAEMON_LOG_LEVEL: DaemonLogLevel = 'info';

/** State directory of a multi-user node (`multi_user.enabled`) that sets no `multi_user.state_dir`. */
export const DEFAULT_MULTI_USER_STATE_DIR = '/var/lib/nexus/state';

/** File name of the daemon's socket inside the state dir when `daemon.socket` is not set. */
export const DAEMON_SOCKET_FILE = 'daemon.sock';

/** The flag and variables that set the daemon's keys (see CONFIG_FLAG_MAPPINGS and ENV_MAPPINGS). */
export const STATE_DIR_FLAG = '--state-dir';
/** The variable that sets `daemon.state_dir`. */
export const STATE_DIR_VARIABLE = 'NEXUS_STATE_DIR';
/** The variable that sets `daemon.log_level`. */
export const LOG_LEVEL_VARIABLE = 'NEXUS_LOG_LEVEL';

/**
 * The configuration files whose schema has the daemon's keys (`daemon`, `multi_user`): only the
 * node file. The user file cannot set them, so it is not read for them (a typo there does not stop
 * `boulder get` or the daemon); daemon-config.test.ts checks this against FILE_KEY_MAPPINGS.
 */
export const DAEMON_KEY_LEVELS: readonly ('node' | 'user')[] = ['node'];

/** Where the daemon keeps its state, where it listens, how much it logs, and who said so. */
export interface DaemonSettings {
  /** Absolute state directory (store, pid file, logs, secrets). */
  stateDir: string;
  /** Absolute path of the control socket (also the daemon's lock). */
  socket: string;
  logLevel: DaemonLogLevel;
  /** Where each value was set; absent for a built-in default. */
  origins: { stateDir?: ValueOrigin; socket?: ValueOrigin; logLevel?: ValueOrigin };
}

/** An effective value and its origin (an EffectiveEntry, or what a flag or variable would make). */
export interface SettingEntry {
  value: unknown;
  origin: ValueOrigin;
}

/** `~/.nexus/state` of `home`: the state dir of a single-user node. */
export function defaultStateDir(home: string): string {
  return join(home, '.nexus', 'state');
}

/**
 * The daemon's settings from effective entries (`entry('daemon.state_dir')`…): a key no layer set
 * takes its default — the state dir `~/.nexus/state` (a multi-user node's state dir reaches here
 * as an entry, see multiUserLayer), the socket `<state dir>/daemon.sock`, the level `info`.
 */
export function daemonSettingsOf(entry: (key: string) => SettingEntry | undefined, home: string): DaemonSettings {
  const stateDir = entry('daemon.state_dir');
  const socket = entry('daemon.socket');
  const logLevel = entry('daemon.log_level');
  const stateDirValue = typeof stateDir?.value === 'string' ? stateDir.value : defaultStateDir(home);
  const origins: DaemonSettings['origins'] = {};
  if (stateDir !== undefined) origins.stateDir = stateDir.origin;
  if (socket !== undefined) origins.socket = socket.origin;
  if (logLevel !== undefined) origins.logLevel = logLevel.origin;
  return {
    stateDir: stateDirValue,
    socket: typeof socket?.value === 'string' ? socket.value : join(stateDirValue, DAEMON_SOCKET_FILE),
    logLevel: isDaemonLogLevel(logLevel?.value) ? logLevel.value : DEFAULT_DAEMON_LOG_LEVEL,
    origins,
  };
}

/** True for one of DAEMON_LOG_LEVELS. */
export function isDaemonLogLevel(value: unknown): value is DaemonLogLevel {
  return typeof value === 'string' && (DAEMON_LOG_LEVELS as readonly string[]).includes(value);
}

/** Inputs of daemonSettingsWithoutFiles. */
export interface SettingsInput {
  /** `--state-dir` as typed, if given. */
  stateDirFlag?: string | undefined;
  env: NodeJS.ProcessEnv;
  /** Relative paths of the flag and variables resolve against it. */
  cwd: string;
  home: string;
}

/**
 * What `--state-dir`, `NEXUS_STATE_DIR` and `NEXUS_LOG_LEVEL` set, as effective entries with the
 * origins the flag and environment layers record (the flag outranks its variable, see
 * FlagMapping.outranksEnv). Undefined when a value needs the configuration's validation to be
 * reported (an empty `--state-dir`, a `NEXUS_LOG_LEVEL` that is not a level).
 */
export function flagAndEnvEntries({ stateDirFlag, env, cwd }: Omit<SettingsInput, 'home'>): Map<string, SettingEntry> | undefined {
  if (stateDirFlag === '') return undefined;
  const level = env[LOG_LEVEL_VARIABLE];
  if (level !== undefined && level !== '' && !isDaemonLogLevel(level)) return undefined;
  const fromEnv = env[STATE_DIR_VARIABLE];
  const entries = new Map<string, SettingEntry>();
  const set = (key: string, value: unknown, layer: 'flag' | 'env', source: string): void => {
    entries.set(key, { value, origin: { layer, source, key, value } });
  };
  if (fromEnv !== undefined && fromEnv !== '') set('daemon.state_dir', resolve(cwd, fromEnv), 'env', STATE_DIR_VARIABLE);
  if (stateDirFlag !== undefined) set('daemon.state_dir', resolve(cwd, stateDirFlag), 'flag', STATE_DIR_FLAG);
  if (level !== undefined && level !== '') set('daemon.log_level', level, 'env', LOG_LEVEL_VARIABLE);
  return entries;
}

/**
 * The settings when no configuration file exists: `--state-dir`, else `NEXUS_STATE_DIR`, else
 * `~/.nexus/state`; `NEXUS_LOG_LEVEL`, else `info`. Undefined when a value needs the
 * configuration's validation (see flagAndEnvEntries).
 */
export function daemonSettingsWithoutFiles(input: SettingsInput): DaemonSettings | undefined {
  const entries = flagAndEnvEntries(input);
  return entries === undefined ? undefined : daemonSettingsOf((key) => entries.get(key), input.home);
}
