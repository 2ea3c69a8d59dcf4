/**
 * The status facts a waiting client reads besides Ready, shared by the controllers that write them
 * and the CLI that waits on them:
 *
 * - `Stalled=True` (kstatus' convention, also Flux's): the controller hit a failure no retry can fix
 *   for the object's current generation (a TerminalError); reason and message are the failure's.
 *   Written only by the runtime's terminal recorder; a later status write drops it unless Ready
 *   still reports the same failure for the same generation (controllers/runtime/stalled.ts).
 * - `Ready=False` with reason `CleanupFailed`: a cleanup step failed on deletion and is retried;
 *   the message names the failure and the next retry.
 * - `status.phase: Terminating`: written by the finalizer helper when cleanup starts.
 */
import type { Condition, KubeObject } from './meta.ts';
import { CLEANUP_FAILED, READY, STALLED } from './names/index.ts';

/** Phase of every kind while its deletion is being processed. */
export const TERMINATING = 'Terminating';

/** A condition's reason and message. */
export interface ConditionFailure {
  reason: string;
  message: string;
}

function conditionsOf(obj: KubeObject): Condition[] {
  const conditions = (obj.status as { conditions?: unknown } | undefined)?.conditions;
  return Array.isArray(conditions) ? (conditions as Condition[]) : [];
}

/** True when `condition` was observed for the object's current generation (or either is unknown). */
export function isCurrent(obj: KubeObject, condition: Condition): boolean {
  const generation = obj.metadata.generation;
  return condition.observedGeneration === undefined || generation === undefined || condition.observedGeneration >= generation;
}

/**
 * The terminal failure the object reports for its current generation (`Stalled=True`), or
 * undefined. A Stalled condition left from an older generation does not count: the controller has
 * not judged the current spec yet.
 */
export function terminalFailureOf(obj: KubeObject): ConditionFailure | undefined {
  const stalled = conditionsOf(obj).find((c) => c.type === STALLED);
  if (stalled === undefined || stalled.status !== 'True' || !isCurrent(obj, stalled)) return undefined;
  return { reason: stalled.reason, message: stalled.message };
}

/** The failing cleanup the object reports (`Ready=False`, reason CleanupFailed), or undefined. */
export function cleanupFailureOf(obj: KubeObject): ConditionFailure | undefined {
  const ready = conditionsOf(obj).find((c) => c.type === READY);
  if (ready === undefined || ready.status !== 'False' || ready.reason !== CLEANUP_FAILED) return undefined;
  return { reason: ready.reason, message: ready.message };
}
