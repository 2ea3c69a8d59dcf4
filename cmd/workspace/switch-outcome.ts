/**
 * How a switch ended (SwitchOutcome): what switch-core.ts returns and what the daemon's control op
 * `switch` answers over its socket, checked on arrival by isSwitchOutcome. Kept apart from the
 * switch itself so the CLI can read an answer without loading the store's follow.
 */

/** The results of a switch, in the order switch-core.ts can reach them. */
export const SWITCH_RESULTS = [
  /** No such workspace: nothing was written. */
  'missing',
  /** The workspace is being deleted: nothing was written. */
  'deleting',
  'ready',
  /** A terminal failure reported for the new generation. */
  'failed',
  /** Deleted (or gone) while the switch waited. */
  'deleted',
  /** Not Ready within the timeout (or the wait was interrupted). */
  'timedOut',
  /** Ended before the wait by the `beside` hook (the CLI's daemon start failed). */
  'stopped',
] as const;

/** How a switch ended. */
export type SwitchResult = (typeof SWITCH_RESULTS)[number];

/** A switch's result, the workspaces it paused and, unless it became Ready, why not. */
export interface SwitchOutcome {
  result: SwitchResult;
  paused: string[];
  /** notReadyReason of the target as last seen (failed, deleted, timedOut). */
  reason?: string;
}

/** True when `value` is a well-formed SwitchOutcome (the `switch` field of the daemon's answer). */
export function isSwitchOutcome(value: unknown): value is SwitchOutcome {
  const v = value as Partial<SwitchOutcome> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    (SWITCH_RESULTS as readonly unknown[]).includes(v.result) &&
    Array.isArray(v.paused) &&
    v.paused.every((name) => typeof name === 'string') &&
    (v.reason === undefined || typeof v.reason === 'string')
  );
}
