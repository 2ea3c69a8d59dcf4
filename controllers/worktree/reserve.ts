/**
 * A new worktree's directory, made empty ahead of `git worktree add` (which fills an existing
 * empty directory in place, keeping its inode), so that a container can bind-mount it while git
 * writes the files (the Workspace converge's worktree-alongside-ensure, controllers/workspace/
 * worktree-steps.ts). Made at `worktreePath(repoPath, name)` from validated names only, one
 * directory at a time, each parent checked with lstat right before the next is made
 * (controllers/fs/no-follow.ts): never through a symlink. Where the path is not plainly ours to
 * make (a parent that is a link or a file, the directory already there), nothing is made and the
 * caller lets `ensureWorktree` create the worktree as before.
 */
import { mkdir, rmdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parentIssue } from '../fs/no-follow.ts';
import { assertValidNames, NEXUS_DIR, WORKTREES_DIR, worktreePath } from './names.ts';

/** The directories a reservation made. */
export interface WorktreeReservation {
  /** The worktree's path (`worktreePath(repoPath, name)`), an empty directory made by this reservation. */
  path: string;
  /** Every directory made, outermost first (the worktree's path last): what `releaseWorktreeDir` may remove. */
  made: string[];
}

/**
 * Makes the empty directory of workspace `name`'s worktree (and `.nexus/worktrees/` when missing)
 * in the repository at `repoPath`; undefined when it cannot be made plainly (see the module
 * comment), having removed whatever it made. Throws WorktreeError(InvalidName) for a name that
 * cannot name a directory, like `ensureWorktree`.
 */
export async function reserveWorktreeDir(repoPath: string, name: string): Promise<WorktreeReservation | undefined> {
  assertValidNames(name);
  const root = resolve(repoPath);
  const made: string[] = [];
  const leaf = join(WORKTREES_DIR, name);
  for (const relative of [NEXUS_DIR, WORKTREES_DIR, leaf]) {
    // The repository root itself may be reached through a link; nothing below it may be.
    if (parentIssue(root, relative) !== undefined) break;
    const madeNow = await makeDirectory(join(root, relative));
    if (madeNow) made.push(join(root, relative));
    if (relative === leaf) {
      if (madeNow) return { path: worktreePath(repoPath, name), made };
      break;
    }
  }
  await releaseWorktreeDir({ path: worktreePath(repoPath, name), made });
  return undefined;
}

/**
 * Removes what `reservation` made, innermost first, as long as each is still an empty directory
 * (rmdir never removes content: a worktree git filled, or a directory someone else put files in,
 * stays). Idempotent.
 */
export async function releaseWorktreeDir(reservation: WorktreeReservation): Promise<void> {
  for (const dir of [...reservation.made].reverse()) {
    try {
      await rmdir(dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') continue;
      if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOTDIR') return;
      throw err;
    }
  }
}

/** mkdir (never following a link at `path` itself): true when made, false when something is there already. */
async function makeDirectory(path: string): Promise<boolean> {
  try {
    await mkdir(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}
