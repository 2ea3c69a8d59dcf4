/**
 * The switch itself, shared by the CLI's own path (cmd/workspace/switch.ts, when no daemon answers)
 * and the daemon's control op `switch` (cmd/daemon/run.ts): plan it, write it
 * (controllers/workspace/operations/), and follow the target through the store's watch until it is
 * Ready for its new generation. The result is a SwitchOutcome, a plain value that crosses the
 * control socket unchanged; how it is told to the user (the line printed, the error and exit code)
 * is the CLI's business.
 */
import type { ResourceClient } from '../../apis/client/types.ts';
import { isErrorCode } from '../../apis/errors.ts';
import { kindByName, type KindInfo } from '../../apis/kinds.ts';
import { followUntilReady } from '../progress/follow.ts';
import { notReadyReason } from '../progress/lines.ts';
import { prepareSwitch, writeSwitch } from '../../controllers/workspace/operations/operations.ts';
import type { SwitchOutcome, SwitchResult } from './switch-outcome.ts';

/** What to switch to. */
export interface SwitchTarget {
  namespace: string;
  name: string;
  /** How long to wait for Ready, counted from `requestedAt`. */
  timeoutMs: number;
  /** When the switch was asked for (RFC 3339): the switch-requested-at annotation. */
  requestedAt: string;
}

/** Hooks of the CLI's own path. */
export interface SwitchHooks {
  /** Ends the wait early (Ctrl-C; the daemon: the client went away). */
  signal?: AbortSignal;
  /** Runs beside the writes once the target exists; true ends the switch (`stopped`) before the wait. */
  beside?: () => Promise<boolean>;
  /** Started for the wait and stopped after it (the CLI's check that a daemon runs). */
  watch?: () => { stop(): Promise<void> };
  /** The clock (ms), for the remaining time of the wait. */
  now?: () => number;
}

const workspaceKind = (): KindInfo => kindByName('Workspace') as KindInfo;

/** Plans, writes and follows a switch to `target`; never throws for the outcomes above. */
export async function switchAndWait(client: ResourceClient, target: SwitchTarget, hooks: SwitchHooks = {}): Promise<SwitchOutcome> {
  const prepared = await prepareSwitch(client, target.namespace, target.name).catch((err: unknown) => {
    if (isErrorCode(err, 'NotFound')) return undefined;
    throw err;
  });
  if (prepared === undefined) return { result: 'missing', paused: [] };
  if (prepared.target.metadata.deletionTimestamp !== undefined) return { result: 'deleting', paused: [] };
  const beside = hooks.beside?.() ?? Promise.resolve(false);
  // The active-workspace record is written first (writeSwitch): controllers that react to the
  // workspace updates (fixed host ports) then already see the new owner.
  await writeSwitch(client, prepared, target.requestedAt);
  if (await beside) return { result: 'stopped', paused: prepared.pause };
  return waitUntilReady(client, target, prepared.pause, hooks);
}

/** Follows the target until it is Ready for its new generation, gone, failed, or out of time. */
async function waitUntilReady(client: ResourceClient, target: SwitchTarget, paused: string[], hooks: SwitchHooks): Promise<SwitchOutcome> {
  const remaining = target.timeoutMs - ((hooks.now ?? Date.now)() - Date.parse(target.requestedAt));
  const watch = hooks.watch?.();
  const [followed] = await followUntilReady(client, [{ kind: workspaceKind(), namespace: target.namespace, name: target.name }], {
    timeoutMs: remaining,
    ...(hooks.signal === undefined ? {} : { signal: hooks.signal }),
  }).finally(() => watch?.stop());
  const outcome = followed?.outcome ?? 'timedOut';
  if (outcome === 'ready') return { result: 'ready', paused };
  const result: SwitchResult = outcome === 'failed' ? 'failed' : outcome === 'deleted' || outcome === 'notFound' ? 'deleted' : 'timedOut';
  return { result, paused, reason: notReadyReason(followed?.object) };
}
