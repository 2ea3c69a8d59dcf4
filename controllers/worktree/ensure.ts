/**
 * `ensureWorktree`: the workspace's worktree exists at `<repo>/.nexus/worktrees/<name>` on its
 * branch, created from the base ref when the branch is new. Idempotent and cheap when the
 * worktree is already there (one git call). Also in two halves, `planWorktree` (the reads and
 * checks) then `addPlannedWorktree` (`git worktree add`), for a caller that does other work
 * between them (the Workspace converge starts the container meanwhile).
 */
import { join, resolve } from 'node:path';
import { WorktreeError } from './errors.ts';
import { ensureExcluded } from './exclude.ts';
import { GitCommandError, runGit } from './git.ts';
import { runGitChecked, toWorktreeError } from './git-checked.ts';
import { classifyGitFailure, summarizeGitMessage } from './git-messages.ts';
import { inspectWorktreeDir, type FoundWorktree } from './inspect.ts';
import { inspectWorktreeDirCached } from './inspect-cache.ts';
import { revisionProblem } from '../../apis/git-names.ts';
import { assertValidNames, isValidBranchName, WORKTREES_DIR, worktreePath } from './names.ts';
import { inspectRepository, repositoryCommonGitDir, type RepositoryInfo } from './repository.ts';
import { withRepositoryLock } from './repository-lock.ts';
import { ensureSubmodules, type SubmoduleState } from './submodules.ts';
import { parseWorktreeList, type ListedWorktree } from './worktree-list.ts';
import type { UnixOwner } from '../multi-user/owner.ts';
import { BASE_REF_NOT_FOUND, BRANCH_CHECKED_OUT_ELSEWHERE, GIT_FAILED, NOT_A_GIT_REPOSITORY, SHALLOW_CLONE, WORKTREE_PATH_CONFLICT } from '../../apis/names/index.ts';

/** What the Workspace controller asks for. */
export interface EnsureWorktreeInput {
  /** The repository (its top level). */
  repoPath: string;
  /** Workspace name: the worktree directory's name. */
  name: string;
  /** Branch checked out in the worktree, normally `nexus/<name>`. */
  branch: string;
  /** Commit-ish the branch starts from when it does not exist yet. */
  baseRef: string;
  /** Limit for `git submodule update` (ms); default DEFAULT_SUBMODULE_TIMEOUT_MS. */
  submoduleTimeoutMs?: number;
  /**
   * Run every git call and file write as this user (a multi-user node's workspace owner), so the
   * worktree and its files are theirs and only their repository permissions apply.
   */
  runAs?: UnixOwner;
}

/** The worktree as it now is. */
export interface WorktreeInfo {
  /** Absolute path of the worktree (`worktreePath(repoPath, name)`). */
  path: string;
  /** Branch checked out (short name). */
  branch: string;
  /** Commit checked out. */
  head: string;
  /**
   * Real absolute path of the repository's common git dir. The worktree's `.git` file points
   * into it: mount it at this same path in a container to make git work there.
   */
  commonGitDir: string;
  /** True when this call created the worktree. */
  created: boolean;
  /** Submodules: none, initialised, or why they could not be. */
  submodules: SubmoduleState;
}

/**
 * Makes sure the workspace's worktree exists on `branch`:
 * - an existing worktree of this repository at the path on that branch → `created: false`, untouched;
 * - otherwise `git worktree add <path> <branch>` when the branch exists, or
 *   `git worktree add -b <branch> <path> <baseRef's commit>` when it does not.
 * Submodules are initialised when `.gitmodules` exists (failure reported in `submodules`), and
 * `.nexus/worktrees/` is kept out of `git status` through the repository's `info/exclude`.
 * Throws WorktreeError (NotAGitRepository, ShallowClone, BaseRefNotFound,
 * BranchCheckedOutElsewhere, WorktreePathConflict, InvalidName, GitLocked, GitFailed).
 */
export async function ensureWorktree(input: EnsureWorktreeInput): Promise<WorktreeInfo> {
  const planned = await planWorktree(input);
  return planned.kind === 'exists' ? planned.info : addPlannedWorktree(planned);
}

/** A worktree to add, checked: what `addPlannedWorktree` runs (`git worktree add <args>`). */
export interface WorktreeAddPlan {
  kind: 'add';
  /** The worktree's path (`worktreePath(repoPath, name)`). */
  path: string;
  /** The repository, as inspected. */
  repo: RepositoryInfo;
  /** The arguments of `git worktree add`. */
  args: string[];
  /** What was asked (`ensureWorktree`'s input). */
  input: EnsureWorktreeInput;
}

/**
 * `ensureWorktree`'s reads: the existing worktree (`exists`, confirmed as `ensureWorktree` does),
 * or the checks of a new one (repository, branch, base ref, a stale registration pruned, the
 * branch not checked out elsewhere) and the `git worktree add` to run, which `addPlannedWorktree`
 * runs later — into the missing path, or an empty directory made there meanwhile. Throws what
 * `ensureWorktree` throws for the same reasons.
 */
export async function planWorktree(input: EnsureWorktreeInput): Promise<{ kind: 'exists'; info: WorktreeInfo } | WorktreeAddPlan> {
  assertValidNames(input.name, input.branch);
  const path = worktreePath(input.repoPath, input.name);
  const state = await inspectWorktreeDirCached(path, input.runAs);
  if (state.kind === 'worktree') {
    const found = assertOurs(path, input.branch, state, await repositoryCommonGitDir(input.repoPath, input.runAs));
    return { kind: 'exists', info: await finish(path, input, found, false) };
  }
  // Absent or foreign: decided again under the repository lock (addPlannedWorktree), since a
  // concurrent call may be halfway through creating it.
  return checkWorktreeAdd(path, input);
}

/**
 * The checks of a new worktree (the slow path's reads, concurrently with other calls); only the
 * final re-check and `git worktree add` (addPlannedWorktree) hold the repository lock. The reads
 * run in one round (one git run's latency instead of two): those that need only the repository's
 * path start with its inspection, and are weighed once it has passed (its failure comes first).
 */
async function checkWorktreeAdd(path: string, input: EnsureWorktreeInput): Promise<WorktreeAddPlan> {
  const as = input.runAs;
  const at = resolve(input.repoPath);
  // The base commit is looked up before knowing whether the branch exists; it matters only when not.
  const [inspected, listed, branch, base] = await Promise.allSettled([
    inspectRepository(input.repoPath, as),
    listWorktrees(at, as),
    resolveCommit(at, `refs/heads/${input.branch}`, as),
    findBaseCommit(at, input.baseRef, as),
  ]);
  if (inspected.status === 'rejected') throw inspected.reason;
  const repo = inspected.value;
  if (listed.status === 'rejected') throw listed.reason;
  await clearStaleRegistration(repo, join(repo.topLevel, WORKTREES_DIR, input.name), input.branch, listed.value, as);
  if (branch.status === 'rejected') throw branch.reason;
  if (branch.value === undefined && base.status === 'rejected') throw base.reason;
  const baseSha = base.status === 'fulfilled' ? base.value : undefined;
  if (branch.value === undefined && baseSha === undefined) throw baseRefMissing(repo, input.baseRef);
  const args =
    branch.value !== undefined || baseSha === undefined
      ? ['worktree', 'add', '--quiet', path, input.branch]
      : ['worktree', 'add', '--quiet', '--no-track', '-b', input.branch, path, baseSha];
  return { kind: 'add', path, repo, args, input };
}

/**
 * Runs a planned `git worktree add` (under the repository lock; a worktree of ours found at the
 * path by then is taken as it is) and answers like `ensureWorktree`. Throws WorktreeError.
 */
export async function addPlannedWorktree(plan: WorktreeAddPlan): Promise<WorktreeInfo> {
  const { path, repo, args, input } = plan;
  const as = input.runAs;
  const existing = await withRepositoryLock(repo.commonGitDir, () => addWorktree(repo, path, input.branch, args, as));
  if (existing !== undefined) return finish(path, input, existing, false);
  const created = await inspectWorktreeDir(path, as);
  if (created.kind !== 'worktree') {
    const what = created.kind === 'foreign' ? created.problem : 'is missing';
    throw new WorktreeError(GIT_FAILED, `git worktree add reported success but ${path} ${what}`);
  }
  return finish(path, input, created, true);
}

/**
 * Runs `git worktree add <args>` under the repository lock, unless the path turns out to hold
 * our worktree already (a concurrent call created it): then returns that worktree.
 */
async function addWorktree(repo: RepositoryInfo, path: string, branch: string, args: string[], as: UnixOwner | undefined): Promise<FoundWorktree | undefined> {
  const state = await inspectWorktreeDir(path, as);
  if (state.kind === 'worktree') return assertOurs(path, branch, state, repo.commonGitDir);
  if (state.kind === 'foreign') throw pathConflict(path, state.problem);
  try {
    await runGit(repo.topLevel, args, as !== undefined ? { as } : {});
  } catch (err) {
    if (!(err instanceof GitCommandError)) throw err;
    throw worktreeAddFailure(err, path, branch);
  }
  return undefined;
}

/** Submodules, exclusion and the answer, common to both paths. */
async function finish(path: string, input: EnsureWorktreeInput, found: FoundWorktree, created: boolean): Promise<WorktreeInfo> {
  await ensureExcluded(found.commonGitDir, input.runAs);
  const submodules = await ensureSubmodules(path, input.submoduleTimeoutMs, input.runAs);
  return { path, branch: input.branch, head: found.head, commonGitDir: found.commonGitDir, created, submodules };
}

/** The worktree found at the path, when it belongs to this repository and is on `branch`; else a conflict. */
function assertOurs(path: string, branch: string, found: FoundWorktree, repoCommonGitDir: string): FoundWorktree {
  if (found.commonGitDir !== repoCommonGitDir) {
    throw pathConflict(path, `is a worktree of another repository (${found.commonGitDir})`);
  }
  if (found.ref !== `refs/heads/${branch}`) {
    const current = found.ref === 'HEAD' ? `a detached HEAD (${found.head.slice(0, 12)})` : `branch ${found.ref.replace(/^refs\/heads\//, '')}`;
    throw pathConflict(path, `is on ${current}, not on ${branch}; run "git -C ${path} switch ${branch}" or remove the worktree`);
  }
  return found;
}

/**
 * Prunes git's record of worktrees whose directory is gone when it concerns our path or branch
 * (otherwise `git worktree add` refuses), and reports a branch checked out in another worktree;
 * `listed` is the repository's worktree list as read just before.
 */
async function clearStaleRegistration(repo: RepositoryInfo, realPath: string, branch: string, listed: ListedWorktree[], as: UnixOwner | undefined): Promise<void> {
  const branchRef = `refs/heads/${branch}`;
  const concerned = (worktree: ListedWorktree): boolean => worktree.path === realPath || worktree.branch === branchRef;
  if (listed.some((worktree) => concerned(worktree) && worktree.prunable !== undefined)) {
    await withRepositoryLock(repo.commonGitDir, () => runGitChecked(repo.topLevel, ['worktree', 'prune'], undefined, as));
    listed = await listWorktrees(repo.topLevel, as);
  }
  const holder = listed.find((worktree) => worktree.branch === branchRef && worktree.path !== realPath);
  if (holder !== undefined) throw checkedOutElsewhere(branch, holder.path);
}

/** `git worktree list --porcelain`, parsed. */
async function listWorktrees(repoTopLevel: string, as: UnixOwner | undefined): Promise<ListedWorktree[]> {
  return parseWorktreeList((await runGitChecked(repoTopLevel, ['worktree', 'list', '--porcelain'], undefined, as)).stdout);
}

/** The commit `rev` names in the repository, or undefined. */
async function resolveCommit(repoTopLevel: string, rev: string, as: UnixOwner | undefined): Promise<string | undefined> {
  const { stdout } = await runGitChecked(repoTopLevel, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], [1, 128], as);
  const sha = stdout.trim();
  return sha === '' ? undefined : sha;
}

/**
 * The commit the new branch starts from: `baseRef`, or `origin/<baseRef>` when `baseRef` is a
 * branch name that only exists on the remote; undefined when neither names a commit.
 */
async function findBaseCommit(repoPath: string, baseRef: string, as: UnixOwner | undefined): Promise<string | undefined> {
  const usable = baseRef !== '' && revisionProblem(baseRef) === undefined;
  const sha = usable ? await resolveCommit(repoPath, baseRef, as) : undefined;
  if (sha === undefined && usable && isValidBranchName(baseRef) && !baseRef.includes('@')) {
    return resolveCommit(repoPath, `refs/remotes/origin/${baseRef}`, as);
  }
  return sha;
}

/** ShallowClone when `baseRef` may be missing from a shallow clone, BaseRefNotFound otherwise. */
function baseRefMissing(repo: RepositoryInfo, baseRef: string): WorktreeError {
  if (repo.shallow) {
    return new WorktreeError(
      SHALLOW_CLONE,
      `base ref ${JSON.stringify(baseRef)} is not in ${repo.topLevel}, a shallow clone (it holds only part of the ` +
        `history and branches); run "git -C ${repo.topLevel} fetch --unshallow" (or fetch that ref) and retry`,
    );
  }
  return new WorktreeError(
    BASE_REF_NOT_FOUND,
    `base ref ${JSON.stringify(baseRef)} names no commit in ${repo.topLevel}; use an existing branch, tag or commit`,
  );
}

/** The WorktreeError for a failed `git worktree add`. */
function worktreeAddFailure(err: GitCommandError, path: string, branch: string): WorktreeError {
  const classified = classifyGitFailure(err.stderr);
  const detail = summarizeGitMessage(err.stderr);
  switch (classified.reason) {
    case BRANCH_CHECKED_OUT_ELSEWHERE:
      return checkedOutElsewhere(branch, classified.checkedOutAt ?? 'another worktree', err);
    case WORKTREE_PATH_CONFLICT:
      return pathConflict(path, `cannot be used (git: ${detail})`, err);
    case NOT_A_GIT_REPOSITORY:
      return new WorktreeError(NOT_A_GIT_REPOSITORY, `git worktree add ${path} failed: ${detail}`, { cause: err });
    default:
      return toWorktreeError(err, `git worktree add ${path}`);
  }
}

/** BranchCheckedOutElsewhere naming the other checkout. */
function checkedOutElsewhere(branch: string, where: string, cause?: unknown): WorktreeError {
  return new WorktreeError(
    BRANCH_CHECKED_OUT_ELSEWHERE,
    `branch ${branch} is already checked out at ${where}; a branch can be checked out in one place only: ` +
      'switch that checkout to another branch, or give the workspace another branch',
    { cause },
  );
}

/** WorktreePathConflict for `path`. */
function pathConflict(path: string, problem: string, cause?: unknown): WorktreeError {
  return new WorktreeError(WORKTREE_PATH_CONFLICT, `worktree path ${path} ${problem}`, { cause });
}

