/**
 * Errors the worktree module raises. Each carries a CamelCase `reason` (the WorktreeReady
 * condition's reason), a user-facing message that says what to do, and whether retrying can help
 * (`transient`): transient ones (a git lock held by another process, an unexpected git failure)
 * are retried with backoff; the others need the user to act.
 */
import { BoulderError } from '../../apis/errors.ts';

/** Stable reasons a worktree operation fails with. */
export type WorktreeFailureReason =
  /** The repository path does not exist, is not a git repository, or is not its top level. */
  | 'NotAGitRepository'
  /** The base ref is missing and the repository is a shallow clone (likely the cause). */
  | 'ShallowClone'
  /** The base ref resolves to no commit. */
  | 'BaseRefNotFound'
  /** The branch is checked out in another worktree or in the main checkout. */
  | 'BranchCheckedOutElsewhere'
  /** The worktree path exists but is not this repository's worktree on the expected branch. */
  | 'WorktreePathConflict'
  /** The workspace name or branch name cannot be used as a path segment / git branch. */
  | 'InvalidName'
  /** A git lock file (`index.lock`, a ref lock) is held by another process; retry later. */
  | 'GitLocked'
  /** git failed for a reason not recognized above. */
  | 'GitFailed';

/** Reasons that retrying can fix. */
const TRANSIENT_REASONS: ReadonlySet<WorktreeFailureReason> = new Set(['GitLocked', 'GitFailed']);

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
