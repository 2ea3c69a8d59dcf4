/**
 * Friction collection (issue 17), opt-in and local first. With `preferences.telemetry.enabled`
 * in the user configuration (default off), boulder appends one event per CLI command and per
 * reconcile failure of the daemon to `<state dir>/telemetry/events.jsonl` (0600, directory 0700).
 * `DO_NOT_TRACK` (any value but '' and '0') and `NEXUS_TELEMETRY=0` always turn it off;
 * `NEXUS_TELEMETRY=1` turns it on without the file. An event holds only fixed-vocabulary fields —
 * the kind, the command's registered name (or the reconciled kind), duration, exit code, the
 * stable error code, the backend — never arguments, paths, object names, environment or secrets.
 * `share_friction_data` only marks events (`shared: true`) so `boulder telemetry export` includes
 * them; nothing is ever sent except by `boulder telemetry export --to URL`. Recording never fails
 * or slows the command noticeably: errors are swallowed (the event is lost, the command is not).
 */
import { appendFileSync, chmodSync, closeSync, constants, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** File of the events, relative to the state dir. */
export const EVENTS_FILE = join('telemetry', 'events.jsonl');
/** Format version of an event. */
export const EVENT_VERSION = 1;

/** One friction event (the complete list of fields an event may have). */
export interface FrictionEvent {
  v: number;
  ts: string;
  kind: 'command' | 'reconcile_failure';
  /** command: the registered command name (e.g. `apply`); reconcile_failure: the kind reconciled. */
  command: string;
  duration_ms: number;
  exit_code?: number;
  /** Stable error code (e.g. `NotFound`, a condition reason); never a message. */
  error_code?: string;
  backend?: 'docker' | 'kubernetes' | 'sprite' | 'mock';
  boulder_version: string;
  /** true when share_friction_data was on when it was recorded: `export` includes it. */
  shared: boolean;
}

/** Whether and how friction is collected, and why. */
export interface TelemetrySettings {
  enabled: boolean;
  share: boolean;
  /** What decided `enabled`: DO_NOT_TRACK, NEXUS_TELEMETRY, the user configuration, or the default. */
  source: 'DO_NOT_TRACK' | 'NEXUS_TELEMETRY' | 'config' | 'default';
}

const STABLE_CODE = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const COMMAND_NAME = /^[a-z][a-z0-9-]{0,31}$/;
const BACKENDS = new Set(['docker', 'kubernetes', 'sprite', 'mock']);

/** The decision of the environment alone (undefined: the configuration decides). */
export function envDecision(env: NodeJS.ProcessEnv): Pick<TelemetrySettings, 'enabled' | 'source'> | undefined {
  const dnt = env['DO_NOT_TRACK'];
  if (dnt !== undefined && dnt !== '' && dnt !== '0' && dnt.toLowerCase() !== 'false') return { enabled: false, source: 'DO_NOT_TRACK' };
  const nexus = env['NEXUS_TELEMETRY'];
  if (nexus === '0' || nexus?.toLowerCase() === 'false') return { enabled: false, source: 'NEXUS_TELEMETRY' };
  if (nexus === '1' || nexus?.toLowerCase() === 'true') return { enabled: true, source: 'NEXUS_TELEMETRY' };
  return undefined;
}

/**
 * The telemetry settings: the environment (see envDecision), else `preferences.telemetry` of the
 * user configuration (read through the configuration loader only when the file mentions
 * `telemetry`; a broken file means off).
 */
export async function telemetrySettings(env: NodeJS.ProcessEnv, cwd: string, home: string): Promise<TelemetrySettings> {
  const decided = envDecision(env);
  if (decided?.enabled === false) return { ...decided, share: false };
  let configured: { enabled?: unknown; share_friction_data?: unknown } | undefined;
  try {
    const { locateUserConfig } = await import('../../apis/config/paths.ts');
    const located = locateUserConfig(env, cwd, home);
    if (located !== undefined && /telemetry/.test(readFileSync(located.path, 'utf8'))) {
      const { loadMachineConfig } = await import('../../apis/config/machine-config.ts');
      const config = await loadMachineConfig({ cwd, home, env, levels: ['user'] });
      configured = { enabled: config.entry('preferences.telemetry.enabled')?.value, share_friction_data: config.entry('preferences.telemetry.share_friction_data')?.value };
    }
  } catch {
    configured = undefined;
  }
  const share = configured?.share_friction_data === true;
  if (decided !== undefined) return { ...decided, share };
  if (configured?.enabled === true) return { enabled: true, share, source: 'config' };
  return { enabled: false, share, source: configured === undefined ? 'default' : 'config' };
}

/** Path of the events file of a state dir. */
export function eventsPath(stateDir: string): string {
  return join(stateDir, EVENTS_FILE);
}

/** An event reduced to its allowed vocabulary (anything else is dropped, not escaped). */
export function sanitizeEvent(event: Omit<FrictionEvent, 'v' | 'ts'> & { ts?: string }): FrictionEvent {
  return {
    v: EVENT_VERSION,
    ts: event.ts ?? new Date().toISOString(),
    kind: event.kind === 'reconcile_failure' ? 'reconcile_failure' : 'command',
    command: COMMAND_NAME.test(event.command) || /^(Workspace|PortBinding|SyncSession)$/.test(event.command) ? event.command : 'other',
    duration_ms: Math.max(0, Math.round(event.duration_ms)),
    ...(event.exit_code !== undefined && Number.isInteger(event.exit_code) ? { exit_code: event.exit_code } : {}),
    ...(event.error_code !== undefined && STABLE_CODE.test(event.error_code) ? { error_code: event.error_code } : {}),
    ...(event.backend !== undefined && BACKENDS.has(event.backend) ? { backend: event.backend } : {}),
    boulder_version: /^[0-9A-Za-z.+-]{1,32}$/.test(event.boulder_version) ? event.boulder_version : 'unknown',
    shared: event.shared === true,
  };
}

/** Appends one event (never throws: a lost event must not fail the command). */
export function appendEvent(stateDir: string, event: Omit<FrictionEvent, 'v' | 'ts'>): void {
  try {
    const dir = join(stateDir, 'telemetry');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const path = eventsPath(stateDir);
    const fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
    try {
      chmodSync(path, 0o600);
      appendFileSync(fd, `${JSON.stringify(sanitizeEvent(event))}\n`);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Friction data is best effort.
  }
}

/** Every recorded event (bad lines skipped). */
export function readEvents(stateDir: string): FrictionEvent[] {
  let text: string;
  try {
    text = readFileSync(eventsPath(stateDir), 'utf8');
  } catch {
    return [];
  }
  const events: FrictionEvent[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    try {
      events.push(JSON.parse(line) as FrictionEvent);
    } catch {
      // Skipped.
    }
  }
  return events;
}

/** Removes every recorded event. */
export function purgeEvents(stateDir: string): void {
  rmSync(eventsPath(stateDir), { force: true });
}
