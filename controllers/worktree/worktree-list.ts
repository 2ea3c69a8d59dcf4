/**
 * Parser of `git worktree list --porcelain` (pure).
 */

/** One worktree git knows about. */
export interface ListedWorktree {
  /** Absolute path as git recorded it. */
  path: string;
  /** Commit checked out, absent for a bare repository entry. */
  head?: string;
  /** Full ref name (`refs/heads/...`) when a branch is checked out; absent when detached. */
  branch?: string;
  bare: boolean;
  detached: boolean;
  /** Set (possibly to '') when the worktree is locked; the text is the lock reason. */
  locked?: string;
  /** Set (possibly to '') when git considers the entry prunable (its directory is gone). */
  prunable?: string;
}

/** Parses the porcelain output (records separated by blank lines, `key value` attributes). */
export function parseWorktreeList(output: string): ListedWorktree[] {
  const worktrees: ListedWorktree[] = [];
  let current: ListedWorktree | undefined;
  for (const line of output.split('\n')) {
    if (line === '') {
      current = undefined;
      continue;
    }
    const space = line.indexOf(' ');
    const key = space < 0 ? line : line.slice(0, space);
    const value = space < 0 ? '' : line.slice(space + 1);
    if (key === 'worktree') {
      current = { path: value, bare: false, detached: false };
      worktrees.push(current);
      continue;
    }
    if (current === undefined) continue;
    if (key === 'HEAD') current.head = value;
    else if (key === 'branch') current.branch = value;
    else if (key === 'bare') current.bare = true;
    else if (key === 'detached') current.detached = true;
    else if (key === 'locked') current.locked = value;
    else if (key === 'prunable') current.prunable = value;
  }
  return worktrees;
}
