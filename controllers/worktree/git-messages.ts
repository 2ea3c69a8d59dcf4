/**
 * Pure readers of git's error output: which known failure a message describes, and a one-line
 * summary fit for a condition message.
 */
import type { WorktreeFailureReason } from './errors.ts';
import { BRANCH_CHECKED_OUT_ELSEWHERE, GIT_FAILED, GIT_LOCKED, NOT_A_GIT_REPOSITORY, WORKTREE_PATH_CONFLICT } from '../../apis/names/index.ts';

/** Longest one-line summary returned by `summarizeGitMessage`. */
const MAX_SUMMARY_LENGTH = 400;

/** A git failure recognized from its message. */
export interface ClassifiedGitFailure {
  reason: WorktreeFailureReason;
  /** For BranchCheckedOutElsewhere: where the branch is checked out, when git says so. */
  checkedOutAt?: string;
}

/**
 * Recognizes lock contention (transient), a branch checked out elsewhere, a path that is taken,
 * and "not a git repository"; anything else is GitFailed.
 */
export function classifyGitFailure(stderr: string): ClassifiedGitFailure {
  if (/Unable to create '[^']*\.lock': File exists/i.test(stderr)) return { reason: GIT_LOCKED };
  const checkedOut = /is already (?:checked out|used by worktree) at '([^']+)'/.exec(stderr);
  if (checkedOut !== null) return { reason: BRANCH_CHECKED_OUT_ELSEWHERE, checkedOutAt: checkedOut[1] };
  if (/already exists|missing but (?:already registered|locked) worktree/.test(stderr)) {
    return { reason: WORKTREE_PATH_CONFLICT };
  }
  if (/not a git repository/i.test(stderr)) return { reason: NOT_A_GIT_REPOSITORY };
  return { reason: GIT_FAILED };
}

/**
 * One line from git's output: the `fatal:`/`error:` lines (prefix removed, duplicates dropped)
 * joined with `; `, or else the last non-empty line; truncated to a condition-friendly length.
 */
export function summarizeGitMessage(output: string): string {
  const lines = output
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const problems = [
    ...new Set(
      lines.filter((line) => /^(?:fatal|error):/i.test(line)).map((line) => line.replace(/^(?:fatal|error):\s*/i, '')),
    ),
  ];
  const summary = problems.length > 0 ? problems.join('; ') : (lines.at(-1) ?? 'git failed without a message');
  return summary.length > MAX_SUMMARY_LENGTH ? `${summary.slice(0, MAX_SUMMARY_LENGTH - 1)}…` : summary;
}
