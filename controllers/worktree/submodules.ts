/**
 * Submodules in a worktree: initialised with `git submodule update --init --recursive` when the
 * worktree has a `.gitmodules`. A failure (no network, no access) does not fail the worktree; it
 * is reported so the controller can surface it as a condition, and retried on the next call.
 */
import { lstat, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { GitCommandError, runGit } from './git.ts';
import { summarizeGitMessage } from './git-messages.ts';
import { readFileAs } from '../multi-user/files-as.ts';
import type { UnixOwner } from '../multi-user/owner.ts';

/** Default limit for `git submodule update` (it may fetch over the network). */
export const DEFAULT_SUBMODULE_TIMEOUT_MS = 120_000;

/** Submodule state of a worktree: none declared, all initialised, or why not. */
export type SubmoduleState = 'none' | 'initialized' | { notInitialized: string };

/** The `path = ...` values of a `.gitmodules` file, in order. */
export function parseGitmodulesPaths(content: string): string[] {
  const paths: string[] = [];
  for (const line of content.split(/\r?\n/)) {
    const match = /^\s*path\s*=\s*(.*?)\s*$/.exec(line);
    if (match?.[1] === undefined || match[1] === '') continue;
    const value = match[1];
    paths.push(value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value);
  }
  return paths;
}

/**
 * The `.gitmodules` file; as `as` when given (the file is the owner's, and may be a link to what
 * is not), after a plain existence check so a worktree without one costs no process.
 */
async function readGitmodules(path: string, as: UnixOwner | undefined): Promise<string> {
  if (as === undefined) return readFile(path, 'utf8');
  await lstat(path);
  return readFileAs(as, path);
}

/** True when `path` exists. */
async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * 'none' without a `.gitmodules`; 'initialized' when every top-level submodule already has its
 * checkout (no git call) or `git submodule update --init --recursive` succeeds; otherwise
 * `{ notInitialized: <git's message on one line> }`. With `as`, git runs as that user.
 */
export async function ensureSubmodules(worktree: string, timeoutMs = DEFAULT_SUBMODULE_TIMEOUT_MS, as?: UnixOwner): Promise<SubmoduleState> {
  let gitmodules: string;
  try {
    gitmodules = await readGitmodules(join(worktree, '.gitmodules'), as);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'none';
    throw err;
  }
  const paths = parseGitmodulesPaths(gitmodules);
  if (paths.length === 0) return 'none';
  const checkedOut = await Promise.all(paths.map((path) => exists(join(worktree, path, '.git'))));
  if (checkedOut.every(Boolean)) return 'initialized';
  try {
    await runGit(worktree, ['submodule', 'update', '--init', '--recursive'], { timeoutMs, ...(as !== undefined ? { as } : {}) });
    return 'initialized';
  } catch (err) {
    if (!(err instanceof GitCommandError)) throw err;
    return { notInitialized: summarizeGitMessage(err.stderr) };
  }
}
