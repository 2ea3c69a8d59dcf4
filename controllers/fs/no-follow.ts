/**
 * The writing side's half of the path rule (the string half is `relative-path.ts`): before
 * anything is written, renamed, removed or created at `root/path`, every component of the path's
 * parent chain below the root must be a real directory — never a symlink, which would carry the
 * write somewhere else. Checked with `lstat`, component by component, right before acting.
 */
import { lstatSync } from 'node:fs';
import { quotePath, UnsafePathError } from './relative-path.ts';

/** What is wrong with a parent of a path on disk. */
export interface ParentIssue {
  /** The parent (relative to the root) that is not a plain directory. */
  parent: string;
  /** `symlink`: a link (never followed); `not-directory`: a file or other type; `missing`: absent. */
  kind: 'symlink' | 'not-directory' | 'missing';
  /** One line for a result or a log. */
  message: string;
}

/**
 * Checks (lstat, no link followed) that every parent of `path` (relative, `/`-separated, already
 * validated) below `root` is a directory; the first that is not, or undefined. The root itself is
 * not checked (it may legitimately be reached through a link). Synchronous: a few cached lstat
 * calls cost microseconds, far less than a thread-pool round trip each.
 */
export function parentIssue(root: string, path: string): ParentIssue | undefined {
  for (let slash = path.indexOf('/'); slash > 0; slash = path.indexOf('/', slash + 1)) {
    const parent = path.slice(0, slash);
    let isDirectory: boolean;
    let isLink: boolean;
    try {
      const stats = lstatSync(`${root}/${parent}`);
      isDirectory = stats.isDirectory();
      isLink = stats.isSymbolicLink();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return { parent, kind: 'missing', message: `parent ${quotePath(parent)} is missing` };
      throw err;
    }
    if (isLink) return { parent, kind: 'symlink', message: `parent ${quotePath(parent)} is a symlink (never followed)` };
    if (!isDirectory) return { parent, kind: 'not-directory', message: `parent ${quotePath(parent)} is not a directory` };
  }
  return undefined;
}

/** Throws `UnsafePathError` (`SymlinkParent`) when a parent of `path` below `root` is not a plain directory. */
export function assertNoSymlinkParents(root: string, path: string): void {
  const issue = parentIssue(root, path);
  if (issue !== undefined) throw new UnsafePathError('SymlinkParent', path, issue.message);
}
