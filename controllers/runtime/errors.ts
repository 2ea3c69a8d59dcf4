/**
 * Reconcile outcomes that are not plain transient failures. A thrown `TerminalError` means
 * "retrying will not help": the runtime records it as the object's Ready=False condition and does
 * not retry until the object changes. Waiting on something outside is not an error: return
 * `{ requeueAfter: ms }` from the reconciler instead.
 */
import { BoulderError } from '../../apis/errors.ts';
import { CLEANUP_FAILED } from '../../apis/names/index.ts';
import { toConditionReason } from './conditions.ts';

/** A failure no retry can fix (e.g. an invalid spec); becomes a condition, never a hot loop. */
export class TerminalError extends BoulderError {
  /** CamelCase, machine-readable reason written to the condition, e.g. `InvalidImage`. */
  readonly reason: string;

  /**
   * `reason` is CamelCase (e.g. `PortConflict`; anything else is converted, see
   * `toConditionReason`); `message` is for humans.
   */
  constructor(reason: string, message: string, options?: { cause?: unknown }) {
    super('Invalid', message, options);
    this.name = 'TerminalError';
    this.reason = toConditionReason(reason);
  }
}

/** True when `err` is a TerminalError. */
export function isTerminalError(err: unknown): err is TerminalError {
  return err instanceof TerminalError;
}

/** A readable one-line description of anything thrown. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * A cleanup step failed while the object is being deleted: the finalizer stays and the key is
 * retried with backoff; the runtime records it as `Ready=False`, reason `CleanupFailed`, with the
 * next retry time (cleanup-condition.ts). The message is the failing step's own (e.g. the engine's).
 */
export class CleanupError extends BoulderError {
  /** Condition reason written for it. */
  readonly reason = CLEANUP_FAILED;

  constructor(cause: unknown) {
    super('Unavailable', errorMessage(cause), { cause });
    this.name = 'CleanupError';
  }
}

/** True when `err` is a CleanupError. */
export function isCleanupError(err: unknown): err is CleanupError {
  return err instanceof CleanupError;
}
