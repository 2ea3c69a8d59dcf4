/**
 * `removeWorktree`: the workspace's worktree goes away unless it holds work that would be lost;
 * then it is kept and the answer says why. The branch is always kept, so committed work survives.
 */
import { realpath } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { runGitChecked, toWorktreeError } from './git-checked.ts';
import { GitCommandError, runGit } from './git.ts';
import { inspectWorktreeDir, type FoundWorktree } from './inspect.ts';
import { assertValidNames, WORKTREES_DIR, worktreePath } from './names.ts';
import { repositoryCommonGitDir } from './repository.ts';
import { withRepositoryLock } from './repository-lock.ts';
import { parseStatusPorcelainZ } from './status-porcelain.ts';
import { parseWorktreeList } from './worktree-list.ts';
import type { UnixOwner } from '../multi-user/owner.ts';
import { NOT_OUR_WORKTREE, UNCOMMITTED_CHANGES, UNREFERENCED_COMMITS, WORKTREE_LOCKED } from '../../apis/names/index.ts';

/** How many changed paths a kept message lists. */
const LISTED_CHANGES = 5;

/** What the Workspace controller asks for. */
export interface RemoveWorktreeInput {
  repoPath: string;
  name: string;
  /** The workspace's branch; it is never deleted, and is named in messages. */
  branch: string;
  /** Remove even with uncommitted changes, unreferenced commits or a `git worktree lock`. */
  force: boolean;
  /** Run every git call as this user (a multi-user node's workspace owner). */
  runAs?: UnixOwner;
}

/**
 * Why a worktree was kept: uncommitted changes (modified, staged or untracked files); a detached
 * HEAD whose commits no ref contains; a `git worktree lock`; or the path is not this repository's
 * worktree (so it is not ours to delete; `force` does not change that).
 */
export type KeptReason = typeof UNCOMMITTED_CHANGES | typeof UNREFERENCED_COMMITS | typeof WORKTREE_LOCKED | typeof NOT_OUR_WORKTREE;

/** The outcome: removed, or kept with a reason and a message for the user. */
export interface RemoveWorktreeResult {
  removed: boolean;
  kept?: { reason: KeptReason; message: string };
}

/**
 * Removes `<repo>/.nexus/worktrees/<name>` (`git worktree remove --force` after our own checks,
 * since git refuses worktrees with submodules otherwise; then `git worktree prune`). Without
 * `force`, a worktree with uncommitted changes or unreferenced commits, or a locked one, is kept.
 * Idempotent: nothing there → `{ removed: false }` (a stale git registration of the path is
 * pruned). Throws WorktreeError(GitLocked | GitFailed) when git fails; never deletes the branch.
 */
export async function removeWorktree(input: RemoveWorktreeInput): Promise<RemoveWorktreeResult> {
  assertValidNames(input.name);
  const path = worktreePath(input.repoPath, input.name);
  const as = input.runAs;
  const state = await inspectWorktreeDir(path, as);
  if (state.kind === 'absent') {
    await pruneStaleRegistration(input.repoPath, input.name, as);
    return { removed: false };
  }
  if (state.kind === 'foreign') return keep(NOT_OUR_WORKTREE, `${path} ${state.problem}; it is left in place`);
  const repoCommonGitDir = await repositoryCommonGitDir(input.repoPath, as);
  if (state.commonGitDir !== repoCommonGitDir) {
    return keep(NOT_OUR_WORKTREE, `${path} is a worktree of another repository (${state.commonGitDir}); it is left in place`);
  }
  if (!input.force) {
    const kept = await reasonToKeep(path, input.branch, state, as);
    if (kept !== undefined) return { removed: false, kept };
  }
  return withRepositoryLock(repoCommonGitDir, () => removeRegisteredWorktree(resolve(input.repoPath), path, input.force, as));
}

/** `git worktree remove --force [--force]` then `git worktree prune` (under the repository lock). */
async function removeRegisteredWorktree(repo: string, path: string, force: boolean, as: UnixOwner | undefined): Promise<RemoveWorktreeResult> {
  const forceFlags = force ? ['--force', '--force'] : ['--force'];
  try {
    await runGit(repo, ['worktree', 'remove', ...forceFlags, path], as !== undefined ? { as } : {});
  } catch (err) {
    if (!(err instanceof GitCommandError)) throw err;
    if (/locked working tree/.test(err.stderr)) {
      return keep(WORKTREE_LOCKED, `${path} is locked ("git worktree unlock ${path}" releases it); it is kept`);
    }
    throw toWorktreeError(err, `git worktree remove ${path}`);
  }
  await runGitChecked(repo, ['worktree', 'prune'], undefined, as);
  return { removed: true };
}

/** Why the worktree must be kept (uncommitted changes, unreferenced commits), or undefined. */
async function reasonToKeep(path: string, branch: string, found: FoundWorktree, as: UnixOwner | undefined): Promise<RemoveWorktreeResult['kept']> {
  const { stdout } = await runGitChecked(path, ['--no-optional-locks', 'status', '--porcelain', '-z'], undefined, as);
  const changes = parseStatusPorcelainZ(stdout);
  if (changes.length > 0) {
    const listed = changes.slice(0, LISTED_CHANGES).map((change) => change.path);
    const more = changes.length > LISTED_CHANGES ? `, and ${changes.length - LISTED_CHANGES} more` : '';
    return {
      reason: UNCOMMITTED_CHANGES,
      message:
        `worktree ${path} has uncommitted changes (${listed.join(', ')}${more}); it is kept: commit or stash them ` +
        `(branch ${branch} is kept either way), or remove with force to discard them`,
    };
  }
  if (found.ref === 'HEAD') {
    const contained = await runGitChecked(path, ['for-each-ref', '--count=1', '--format=%(refname)', '--contains', found.head], undefined, as);
    if (contained.stdout.trim() === '') {
      return {
        reason: UNREFERENCED_COMMITS,
        message:
          `worktree ${path} has a detached HEAD (${found.head.slice(0, 12)}) that no branch or tag contains; it is kept: ` +
          `create a branch there ("git -C ${path} switch -c NAME"), or remove with force to drop those commits`,
      };
    }
  }
  return undefined;
}

/** Prunes git's record of the worktree when its directory is gone; silent when there is no repository. */
async function pruneStaleRegistration(repoPath: string, name: string, as: UnixOwner | undefined): Promise<void> {
  let repo: string;
  try {
    repo = await realpath(resolve(repoPath));
  } catch {
    return;
  }
  let listed: string;
  try {
    listed = (await runGit(repo, ['worktree', 'list', '--porcelain'], as !== undefined ? { as } : {})).stdout;
  } catch {
    return;
  }
  const path = join(repo, WORKTREES_DIR, name);
  if (parseWorktreeList(listed).some((worktree) => worktree.path === path && worktree.prunable !== undefined)) {
    await runGitChecked(repo, ['worktree', 'prune'], undefined, as);
  }
}

/** A "kept" outcome. */
function keep(reason: KeptReason, message: string): RemoveWorktreeResult {
  return { removed: false, kept: { reason, message } };
}
