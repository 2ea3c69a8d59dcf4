/**
 * What is at a worktree path: nothing, a linked git worktree (with its branch and common git
 * dir), or something else. One git call at most, so the idempotent path stays fast.
 */
import { lstat, readdir, realpath } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { GitCommandError, runGit } from './git.ts';
import { summarizeGitMessage } from './git-messages.ts';
import { outputLines } from './repository.ts';
import type { UnixOwner } from '../multi-user/owner.ts';

/** A linked worktree found at the path. */
export interface FoundWorktree {
  kind: 'worktree';
  /** Real absolute path of the worktree's top level. */
  topLevel: string;
  /** Real absolute path of the common git dir it belongs to. */
  commonGitDir: string;
  /** Commit checked out. */
  head: string;
  /** Full ref checked out (`refs/heads/...`), or `HEAD` when detached. */
  ref: string;
}

/** What is at a worktree path. */
export type WorktreeDirState =
  | { kind: 'absent' }
  | FoundWorktree
  /** Something that is not a usable linked worktree; `problem` says what, for a message. */
  | { kind: 'foreign'; problem: string };

/** The filesystem entry at `path`, or undefined when there is none. */
async function lstatOrUndefined(path: string): Promise<Awaited<ReturnType<typeof lstat>> | undefined> {
  try {
    return await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Inspects `path`: absent (missing or an empty directory, where `git worktree add` may create
 * one), a linked worktree (`.git` is a file and git agrees the path is a top level), or foreign.
 * With `as`, git runs as that user (a path the user cannot enter is foreign to them).
 */
export async function inspectWorktreeDir(path: string, as?: UnixOwner): Promise<WorktreeDirState> {
  const absolute = resolve(path);
  const entry = await lstatOrUndefined(absolute);
  if (entry === undefined) return { kind: 'absent' };
  if (!entry.isDirectory()) return { kind: 'foreign', problem: 'is not a directory' };
  const dotGit = await lstatOrUndefined(join(absolute, '.git'));
  if (dotGit === undefined) {
    if ((await readdir(absolute)).length === 0) return { kind: 'absent' };
    return { kind: 'foreign', problem: 'exists and is not a git worktree' };
  }
  if (dotGit.isDirectory()) return { kind: 'foreign', problem: 'holds a separate git repository, not a worktree' };
  let stdout: string;
  try {
    ({ stdout } = await runGit(absolute, ['rev-parse', '--show-toplevel', '--git-common-dir', 'HEAD', '--symbolic-full-name', 'HEAD'], as !== undefined ? { as } : {}));
  } catch (err) {
    if (!(err instanceof GitCommandError)) throw err;
    return {
      kind: 'foreign',
      problem: `is not a working git worktree (git: ${summarizeGitMessage(err.stderr)}); "git worktree repair" may fix it`,
    };
  }
  const [topLevel = '', commonDir = '', head = '', ref = ''] = outputLines(stdout);
  if (topLevel !== (await realpath(absolute))) {
    return { kind: 'foreign', problem: `is not the top level of its git worktree (${topLevel})` };
  }
  return { kind: 'worktree', topLevel, commonGitDir: await realpath(resolve(absolute, commonDir)), head, ref };
}
