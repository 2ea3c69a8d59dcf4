/**
 * Errors the worktree module raises. Each carries a CamelCase `reason` (the WorktreeReady
 * condition's reason), a user-facing message that says what to do, and whether retrying can help
 * (`transient`): transient ones (a git lock held by another process, an unexpected git failure)
 * are retried with backoff; the others need the user to act.
 */
import { BoulderError } from '../../apis/errors.ts';
import {
  GIT_FAILED,
  GIT_LOCKED,
  type BASE_REF_NOT_FOUND,
  type BRANCH_CHECKED_OUT_ELSEWHERE,
  type INVALID_NAME,
  type NOT_A_GIT_REPOSITORY,
  type SHALLOW_CLONE,
  type WORKTREE_PATH_CONFLICT,
} from '../../apis/names/index.ts';

/** Stable reasons a worktree operation fails with. */
export type WorktreeFailureReason =
  | typeof NOT_A_GIT_REPOSITORY
  | typeof SHALLOW_CLONE
  | typeof BASE_REF_NOT_FOUND
  | typeof BRANCH_CHECKED_OUT_ELSEWHERE
  | typeof WORKTREE_PATH_CONFLICT
  | typeof INVALID_NAME
  | typeof GIT_LOCKED
  | typeof GIT_FAILED;

/** Reasons that retrying can fix. */
const TRANSIENT_REASONS: ReadonlySet<WorktreeFailureReason> = new Set([GIT_LOCKED, GIT_FAILED]);

/** A worktree operation failed; `reason` names why, `message` tells the user what to do. */
export class WorktreeError extends BoulderError {
  readonly reason: WorktreeFailureReason;
  readonly transient: boolean;

  constructor(reason: WorktreeFailureReason, message: string, options?: { cause?: unknown }) {
    const transient = TRANSIENT_REASONS.has(reason);
    super(transient ? 'Unavailable' : 'Invalid', message, options);
    this.name = 'WorktreeError';
    this.reason = reason;
    this.transient = transient;
  }
}

/** True when `err` is a WorktreeError. */
export function isWorktreeError(err: unknown): err is WorktreeError {
  return err instanceof WorktreeError;
}
