/**
 * What `boulder switch NAME` and `boulder workspace switch NAME` do: make NAME the active workspace
 * of its repository (switch-core.ts: recorded as active and set Running in one write, the others of
 * the repository paused, `.nexus/current` written, then a wait until NAME is Ready for its new
 * generation).
 *
 * When a daemon runs for the embedded store, the daemon does the switch (control op `switch`,
 * cmd/daemon/protocol.ts): its store is open and its controllers see the write in-process, so the
 * CLI loads neither the store nor validation nor a watch, only the socket client. When no daemon
 * answers (or an older one does not know the op), with `--no-daemon`, the Kubernetes store or a
 * multi-user node's API, the CLI switches itself, as before, starting a daemon when needed.
 */
import type { KindInfo } from '../../apis/kinds.ts';
import { kindByName, notFoundError } from '../../apis/kinds.ts';
import { CliError, UsageError } from '../cli-error.ts';
import { defineOptions, type CliDeps, type OptionValues } from '../command.ts';
import { durationFlag } from '../duration.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import { namespaceOf } from '../resources.ts';
import type { SwitchTarget } from './switch-core.ts';
import { isSwitchOutcome, type SwitchOutcome } from './switch-outcome.ts';

/** Default `--timeout` of `boulder switch`. */
export const SWITCH_TIMEOUT_MS = 30_000;

/** How much longer than the switch's own timeout the CLI waits for the daemon's answer. */
const DAEMON_ANSWER_SLACK_MS = 5_000;

/** What to switch to and how. */
export interface SwitchRequest {
  name: string;
  namespace: string;
  timeoutMs: number;
  /** Start a background daemon when none runs. */
  ensureDaemon: boolean;
}

/** `switched to b in 84 ms (paused: a)`. */
export function switchedMessage(name: string, elapsedMs: number, paused: readonly string[]): string {
  const pausedText = paused.length === 0 ? '' : ` (paused: ${paused.join(', ')})`;
  return `switched to ${name} in ${Math.round(elapsedMs)} ms${pausedText}`;
}

const workspaceKind = (): KindInfo => kindByName('Workspace') as KindInfo;

/** Runs a switch; prints the result line and returns the exit code. */
export async function runSwitch(deps: CliDeps, request: SwitchRequest): Promise<ExitCodeValue> {
  const started = deps.clock.now().getTime();
  const target: SwitchTarget = { namespace: request.namespace, name: request.name, timeoutMs: request.timeoutMs, requestedAt: new Date(started).toISOString() };
  const viaDaemon = request.ensureDaemon && deps.storeKind === 'embedded' && deps.nodeApi === undefined ? await switchThroughDaemon(deps, target) : undefined;
  const outcome = viaDaemon ?? (await switchHere(deps, request, target));
  if (typeof outcome === 'number') return outcome;
  return reportSwitch(deps, request.name, outcome, deps.clock.now().getTime() - started);
}

/**
 * Asks the running daemon to switch; undefined when it cannot (none runs, it does not know the op,
 * it does not answer), and the CLI switches itself. Ctrl-C ends the wait like the local one's.
 */
async function switchThroughDaemon(deps: CliDeps, target: SwitchTarget): Promise<SwitchOutcome | undefined> {
  const [{ daemonPathsOf }, { requestDaemon }] = await Promise.all([import('../daemon/paths.ts'), import('../daemon/protocol.ts')]);
  const signal = deps.interruptSignal();
  const reply = await requestDaemon(daemonPathsOf(deps).socket, { op: 'switch', ...target }, target.timeoutMs + DAEMON_ANSWER_SLACK_MS, signal);
  if (reply.state === 'aborted') return { result: 'timedOut', paused: [], reason: 'interrupted' };
  if (reply.state !== 'answered') return undefined;
  const answer = reply.response as { switch?: unknown };
  return isSwitchOutcome(answer.switch) ? answer.switch : undefined;
}

/**
 * The CLI's own switch: opens the store, starts a daemon beside the writes when none runs, and
 * follows the target while checking that a daemon is alive. Returns an exit code when the daemon
 * could not be started.
 */
async function switchHere(deps: CliDeps, request: SwitchRequest, target: SwitchTarget): Promise<SwitchOutcome | ExitCodeValue> {
  // Loaded at once with the store's open (module loading is most of the CLI's own time, and
  // loading one module overlaps reading another); the store's write admission too when this
  // process writes the embedded store itself.
  if (deps.storeKind === 'embedded' && deps.nodeApi === undefined) void import('../../apis/validation/admit.ts').catch(() => undefined);
  const modules = Promise.all([import('./switch-core.ts'), import('../daemon/liveness.ts'), request.ensureDaemon ? import('../daemon/start.ts') : undefined]);
  const opening = deps.openClient();
  // Both are awaited below; until then a failure must not count as unhandled.
  modules.catch(() => undefined);
  opening.catch(() => undefined);
  const client = await opening;
  try {
    const [{ switchAndWait }, { watchDaemon }, daemonStart] = await modules;
    let daemonFailed: ExitCodeValue | undefined;
    const outcome = await switchAndWait(client, target, {
      signal: deps.interruptSignal(),
      now: () => deps.clock.now().getTime(),
      beside: async () => {
        daemonFailed = await daemonStart?.startDaemon(deps);
        return daemonFailed !== undefined;
      },
      watch: () => watchDaemon(deps),
    });
    return outcome.result === 'stopped' && daemonFailed !== undefined ? daemonFailed : outcome;
  } finally {
    await client.close();
  }
}

/** Prints a Ready switch's line; throws the CliError of any other outcome. */
function reportSwitch(deps: CliDeps, name: string, outcome: SwitchOutcome, elapsed: number): ExitCodeValue {
  switch (outcome.result) {
    case 'ready':
      deps.stdout.write(`${switchedMessage(name, elapsed, outcome.paused)}\n`);
      return ExitCode.Ok;
    case 'missing':
      throw notFoundError(workspaceKind(), name);
    case 'deleting':
      throw new CliError(`workspace "${name}" is being deleted; cannot switch to it`, ExitCode.Conflict);
    case 'failed':
      throw new CliError(`workspace "${name}" failed while switching to it: ${outcome.reason ?? 'unknown'}`, ExitCode.Error);
    case 'deleted':
      throw new CliError(`workspace "${name}" was deleted while switching to it`, ExitCode.NotFound);
    default:
      throw new CliError(`timed out after ${Math.round(elapsed)} ms waiting for workspace "${name}" to become Ready: ${outcome.reason ?? 'unknown'}`, ExitCode.Timeout);
  }
}

/** Parses `switch NAME [--timeout D] [--no-daemon]` (shared with `workspace switch`). */
export function parseSwitchRequest(values: OptionValues<typeof SWITCH_OPTIONS>, positionals: readonly string[], commandName: string): SwitchRequest {
  if (positionals.length === 0) throw new UsageError('name the workspace to switch to', commandName);
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}": switch takes one workspace`, commandName);
  if (values['all-namespaces'] === true) throw new UsageError('switch acts on one namespace; -A is not supported', commandName);
  return {
    name: positionals[0] as string,
    namespace: namespaceOf(values),
    timeoutMs: durationFlag(values.timeout, SWITCH_TIMEOUT_MS, 'timeout', commandName),
    ensureDaemon: values['no-daemon'] !== true,
  };
}

/** Options of `switch` (and `workspace switch`). */
export const SWITCH_OPTIONS = defineOptions({
  timeout: { type: 'string', valueName: 'DURATION', description: 'How long to wait for the workspace to be Ready (default 30s)' },
  'no-daemon': { type: 'boolean', description: 'Do not start a background daemon' },
});
