/**
 * The lifetime of the `Stalled` condition (see apis/terminal.ts). The terminal recorder sets it
 * beside `Ready=False`; every other status write goes through `settleStalled`, which keeps it only
 * while Ready still reports that same failure for the same generation. So it disappears with the
 * first success, a different failure (e.g. a transient one being retried) or a new generation, and
 * no controller needs to know about it.
 */
import type { Condition } from '../../apis/meta.ts';
import { STALLED } from '../../apis/terminal.ts';
import { READY } from './conditions.ts';

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
