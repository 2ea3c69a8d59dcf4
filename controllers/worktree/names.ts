/**
 * Where a workspace's worktree lives and which names are acceptable, as pure functions.
 */
import { join, resolve } from 'node:path';
import { WorktreeError } from './errors.ts';

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

/**
 * True when `branch` is a valid git branch name (the rules of `git check-ref-format --branch`
 * for a plain name: no control characters, space, `~^:?*[\`, `..`, `@{`, `//`; no leading `-`,
 * `/` or `.` in any component; no trailing `/`, `.` or `.lock`; not `@`).
 */
export function isValidBranchName(branch: string): boolean {
  if (branch === '' || branch === '@' || branch.length > 255) return false;
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(branch)) return false;
  if (branch.includes('..') || branch.includes('@{') || branch.includes('//')) return false;
  if (branch.startsWith('-') || branch.startsWith('/') || branch.endsWith('/') || branch.endsWith('.')) return false;
  return branch.split('/').every((part) => part !== '' && !part.startsWith('.') && !part.endsWith('.lock'));
}

/** Throws WorktreeError(InvalidName) unless the workspace name (and branch, when given) are usable. */
export function assertValidNames(name: string, branch?: string): void {
  if (!isValidWorkspaceName(name)) {
    throw new WorktreeError(
      'InvalidName',
      `workspace name ${JSON.stringify(name)} cannot name a worktree directory: use letters, digits, '.', '_' and '-'`,
    );
  }
  if (branch !== undefined && !isValidBranchName(branch)) {
    throw new WorktreeError('InvalidName', `${JSON.stringify(branch)} is not a valid git branch name`);
  }
}
