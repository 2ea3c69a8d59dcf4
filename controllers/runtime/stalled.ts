/**
 * The lifetime of the `Stalled` condition (see apis/terminal.ts). `withStalled` sets it beside
 * `Ready=False` — the terminal recorder for a TerminalError, a controller for a failure it reports
 * itself in its status (a sync halt, a refused endpoint); every other status write goes through
 * `settleStalled`, which keeps it only
 * while Ready still reports that same failure for the same generation. So it disappears with the
 * first success, a different failure (e.g. a transient one being retried) or a new generation, and
 * no controller needs to know about it.
 */
import type { Condition } from '../../apis/meta.ts';
import { setCondition } from './conditions.ts';
import { READY, STALLED } from '../../apis/names/index.ts';

/** A failure no retry fixes for the current generation: reason, message, the generation judged. */
export interface StalledFailure {
  reason: string;
  message: string;
  observedGeneration?: number;
}

/**
 * `conditions` with Ready=False and Stalled=True for `failure` (transition times kept when
 * unchanged). The one way to mark an object stalled; `settleStalled` drops the mark once Ready
 * reports anything else.
 */
export function withStalled(conditions: Condition[] | undefined, failure: StalledFailure, now: Date): Condition[] {
  const fields = {
    reason: failure.reason,
    message: failure.message,
    ...(failure.observedGeneration !== undefined ? { observedGeneration: failure.observedGeneration } : {}),
  };
  return setCondition(setCondition(conditions, { type: READY, status: 'False', ...fields }, now), { type: STALLED, status: 'True', ...fields }, now);
}

/** True when Stalled `stalled` still describes what Ready `ready` reports. */
function stillStalled(stalled: Condition, ready: Condition | undefined): boolean {
  return (
    stalled.status === 'True' &&
    ready !== undefined &&
    ready.status === 'False' &&
    ready.reason === stalled.reason &&
    ready.observedGeneration === stalled.observedGeneration
  );
}

/** `status` without a Stalled condition that no longer holds (pure; returns `status` itself when nothing changes). */
export function settleStalled<S>(status: S): S {
  const conditions = (status as { conditions?: Condition[] } | undefined)?.conditions;
  if (!Array.isArray(conditions)) return status;
  const stalled = conditions.find((c) => c.type === STALLED);
  if (stalled === undefined || stillStalled(stalled, conditions.find((c) => c.type === READY))) return status;
  return { ...status, conditions: conditions.filter((c) => c !== stalled) };
}
