/**
 * Where a workspace's worktree lives and which names are acceptable, as pure functions.
 */
import { join, resolve } from 'node:path';
import { isValidBranchName } from '../../apis/git-names.ts';
import { WorktreeError } from './errors.ts';
import { INVALID_NAME } from '../../apis/names/index.ts';

export { isValidBranchName };

/** Directory (relative to the repository) holding boulder's state for that repository. */
export const NEXUS_DIR = '.nexus';
/** Directory (relative to the repository) holding every workspace worktree. */
export const WORKTREES_DIR = join(NEXUS_DIR, 'worktrees');
/** File (relative to the repository) naming the active workspace. */
export const CURRENT_FILE = join(NEXUS_DIR, 'current');

/** Letters, digits, `.`, `_`, `-`; not starting with `.` or `-`; at most 253 characters. */
const WORKSPACE_NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,252}$/;

/** Absolute path of the worktree of workspace `name`: `<repoPath>/.nexus/worktrees/<name>`. */
export function worktreePath(repoPath: string, name: string): string {
  return resolve(repoPath, WORKTREES_DIR, name);
}

/** The branch a workspace's worktree uses by default: `nexus/<name>`. */
export function defaultWorktreeBranch(name: string): string {
  return `nexus/${name}`;
}

/** True when `name` is usable as one path segment (and git worktree name). */
export function isValidWorkspaceName(name: string): boolean {
  return WORKSPACE_NAME_PATTERN.test(name) && !name.includes('..') && !name.endsWith('.lock');
}

/** Throws WorktreeError(InvalidName) unless the workspace name (and branch, when given) are usable. */
export function assertValidNames(name: string, branch?: string): void {
  if (!isValidWorkspaceName(name)) {
    throw new WorktreeError(
      INVALID_NAME,
      `workspace name ${JSON.stringify(name)} cannot name a worktree directory: use letters, digits, '.', '_' and '-'`,
    );
  }
  if (branch !== undefined && !isValidBranchName(branch)) {
    throw new WorktreeError(INVALID_NAME, `${JSON.stringify(branch)} is not a valid git branch name`);
  }
}
