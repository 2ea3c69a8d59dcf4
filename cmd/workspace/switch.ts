/**
 * What `boulder switch NAME` and `boulder workspace switch NAME` do: make NAME the active workspace of its repository. NAME is first recorded
 * as active on the Workspace (the `nexus.dev/active-workspace-since` annotation, which the
 * controllers read: apis/active-workspace.ts) and set Running with the `nexus.dev/switch-requested-at`
 * annotation (the controller measures the switch from it) in one write, then the previously active
 * one and every other workspace of the repository declared Running are paused in parallel (and
 * `.nexus/current`, a copy for scripts, written), and the command waits (through the store's watch) until NAME is
 * Ready for its new generation.
 */
import { isErrorCode } from '../../apis/errors.ts';
import { kindByName, type KindInfo } from '../../apis/kinds.ts';

import { CliError, UsageError } from '../cli-error.ts';
import { defineOptions, type CliDeps, type OptionValues } from '../command.ts';
import { durationFlag } from '../duration.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import { namespaceOf, notFoundError } from '../resources.ts';

/** Default `--timeout` of `boulder switch`. */
export const SWITCH_TIMEOUT_MS = 30_000;

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

/**
 * What a switch loads, requested at once (module loading is most of the CLI's own time, and
 * loading one module overlaps reading another and the store's open): the operations, the follow
 * and the daemon check; the store's write admission (loaded on a first write) too when this
 * process writes the embedded store itself.
 */
function loadSwitchModules(deps: CliDeps, ensureDaemon: boolean) {
  if (deps.storeKind === 'embedded' && deps.nodeApi === undefined) void import('../../apis/validation/admit.ts').catch(() => undefined);
  return Promise.all([import('./operations.ts'), import('../progress/follow.ts'), import('../daemon/liveness.ts'), ensureDaemon ? import('../daemon/start.ts') : undefined]);
}

/** Runs a switch; prints the result line and returns the exit code. */
export async function runSwitch(deps: CliDeps, request: SwitchRequest): Promise<ExitCodeValue> {
  const started = deps.clock.now().getTime();
  const modules = loadSwitchModules(deps, request.ensureDaemon);
  const opening = deps.openClient();
  // Both are awaited below; until then a failure must not count as unhandled.
  modules.catch(() => undefined);
  opening.catch(() => undefined);
  const client = await opening;
  try {
    const [{ prepareSwitch, writeSwitch }, { followUntilReady }, { watchDaemon }, daemonStart] = await modules;
    const prepared = await prepareSwitch(client, request.namespace, request.name).catch((err: unknown) => {
      throw isErrorCode(err, 'NotFound') ? notFoundError(workspaceKind(), request.name) : err;
    });
    if (prepared.target.metadata.deletionTimestamp !== undefined) throw new CliError(`workspace "${request.name}" is being deleted; cannot switch to it`, ExitCode.Conflict);
    const { pause } = prepared;

    const daemon = daemonStart === undefined ? Promise.resolve(undefined) : daemonStart.startDaemon(deps);
    // The active-workspace record is written first (writeSwitch): controllers that react to the
    // workspace updates (fixed host ports) then already see the new owner.
    await writeSwitch(client, prepared, new Date(started).toISOString());
    const daemonFailed = await daemon;
    if (daemonFailed !== undefined) return daemonFailed;

    const remaining = request.timeoutMs - (deps.clock.now().getTime() - started);
    const daemonWatch = watchDaemon(deps);
    const [result] = await followUntilReady(client, [{ kind: workspaceKind(), namespace: request.namespace, name: request.name }], {
      timeoutMs: remaining,
      signal: deps.interruptSignal(),
    }).finally(() => daemonWatch.stop());
    const elapsed = deps.clock.now().getTime() - started;
    if (result?.outcome === 'ready') {
      deps.stdout.write(`${switchedMessage(request.name, elapsed, pause)}\n`);
      return ExitCode.Ok;
    }
    const { notReadyReason } = await import('../progress/lines.ts');
    if (result?.outcome === 'failed') {
      throw new CliError(`workspace "${request.name}" failed while switching to it: ${notReadyReason(result.object)}`, ExitCode.Error);
    }
    if (result?.outcome === 'deleted' || result?.outcome === 'notFound') {
      throw new CliError(`workspace "${request.name}" was deleted while switching to it`, ExitCode.NotFound);
    }
    throw new CliError(`timed out after ${Math.round(elapsed)} ms waiting for workspace "${request.name}" to become Ready: ${notReadyReason(result?.object)}`, ExitCode.Timeout);
  } finally {
    await client.close();
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
