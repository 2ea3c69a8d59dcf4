/**
 * runGit for steps whose failure is not expected: lock contention becomes
 * WorktreeError(GitLocked), anything else WorktreeError(GitFailed) (both transient).
 */
import { WorktreeError } from './errors.ts';
import { GitCommandError, runGit, type GitResult } from './git.ts';
import { classifyGitFailure, summarizeGitMessage } from './git-messages.ts';
import type { UnixOwner } from '../multi-user/owner.ts';
import { GIT_FAILED, GIT_LOCKED } from '../../apis/names/index.ts';

/** Runs `git <args>` in `cwd` (as `as` when given); `okExitCodes` are answers, not failures. */
export async function runGitChecked(cwd: string, args: readonly string[], okExitCodes?: readonly number[], as?: UnixOwner): Promise<GitResult> {
  try {
    return await runGit(cwd, args, { ...(okExitCodes !== undefined ? { okExitCodes } : {}), ...(as !== undefined ? { as } : {}) });
  } catch (err) {
    if (!(err instanceof GitCommandError)) throw err;
    throw toWorktreeError(err, `git ${args.slice(0, 2).join(' ')}`);
  }
}

/** GitLocked for lock contention, else GitFailed, with `what` and git's message on one line. */
export function toWorktreeError(err: GitCommandError, what: string): WorktreeError {
  const detail = summarizeGitMessage(err.stderr);
  if (classifyGitFailure(err.stderr).reason === GIT_LOCKED) {
    return new WorktreeError(GIT_LOCKED, `git is busy in this repository (${detail}); retrying`, { cause: err });
  }
  return new WorktreeError(GIT_FAILED, `${what} failed: ${detail}`, { cause: err });
}
