/**
 * Facts about the repository a workspace names: its top level, its common git dir (the one
 * directory holding objects, refs and every worktree's admin data) and whether it is shallow.
 */
import { lstat, realpath, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { WorktreeError } from './errors.ts';
import { GitCommandError, runGit } from './git.ts';
import { summarizeGitMessage } from './git-messages.ts';
import { NOT_A_GIT_REPOSITORY } from '../../apis/names/index.ts';
import type { UnixOwner } from '../multi-user/owner.ts';

/** The repository a worktree is made from. */
export interface RepositoryInfo {
  /** Real absolute path of the repository's top level (equal to the realpath of the path given). */
  topLevel: string;
  /** Real absolute path of the common git dir (`git rev-parse --git-common-dir`). */
  commonGitDir: string;
  /** True for a shallow clone (`git rev-parse --is-shallow-repository`). */
  shallow: boolean;
}

/** The lines git printed, without the trailing newline. */
export function outputLines(stdout: string): string[] {
  return stdout.replace(/\n$/, '').split('\n');
}

/**
 * Inspects `repoPath` with one git call. Throws WorktreeError(NotAGitRepository) when the path is
 * missing, is not inside a git repository, is bare, or is a subdirectory of a repository (the
 * message names the top level to use instead). With `as`, only git — run as that user — looks at
 * the path, so a repository the user may not read fails with git's own permission error.
 */
export async function inspectRepository(repoPath: string, as?: UnixOwner): Promise<RepositoryInfo> {
  const absolute = resolve(repoPath);
  if (as === undefined) await assertDirectory(absolute);
  let stdout: string;
  try {
    ({ stdout } = await runGit(absolute, ['rev-parse', '--show-toplevel', '--git-common-dir', '--is-shallow-repository'], as !== undefined ? { as } : {}));
  } catch (err) {
    if (!(err instanceof GitCommandError)) throw err;
    throw new WorktreeError(
      NOT_A_GIT_REPOSITORY,
      `${absolute} is not a git repository with a working tree (git: ${summarizeGitMessage(err.stderr)}); ` +
        'point repository.path at a clone, or run "git init" there',
      { cause: err },
    );
  }
  const [topLevel = '', commonDir = '', shallow = ''] = outputLines(stdout);
  const realRepo = await realpath(absolute);
  if (topLevel !== realRepo) {
    throw new WorktreeError(
      NOT_A_GIT_REPOSITORY,
      `${absolute} is inside the git repository ${topLevel} but is not its top level; use ${topLevel} as the repository path`,
    );
  }
  return { topLevel, commonGitDir: await realpath(resolve(absolute, commonDir)), shallow: shallow === 'true' };
}

/** Throws NotAGitRepository unless `absolute` is an existing directory. */
async function assertDirectory(absolute: string): Promise<void> {
  try {
    if (!(await stat(absolute)).isDirectory()) {
      throw new WorktreeError(NOT_A_GIT_REPOSITORY, `repository path ${absolute} is not a directory`);
    }
  } catch (err) {
    if (err instanceof WorktreeError) throw err;
    throw new WorktreeError(NOT_A_GIT_REPOSITORY, `repository path ${absolute} does not exist`, { cause: err });
  }
}

/**
 * The real path of the repository's common git dir without running git when `<repoPath>/.git`
 * is a directory (the usual clone); otherwise (a linked worktree or submodule as repository)
 * through `inspectRepository`. With `as`, always through git run as that user.
 */
export async function repositoryCommonGitDir(repoPath: string, as?: UnixOwner): Promise<string> {
  if (as !== undefined) return (await inspectRepository(repoPath, as)).commonGitDir;
  const dotGit = join(resolve(repoPath), '.git');
  try {
    if ((await lstat(dotGit)).isDirectory()) return await realpath(dotGit);
  } catch {
    // not a plain clone: ask git
  }
  return (await inspectRepository(repoPath)).commonGitDir;
}
