/**
 * Keeps boulder's per-repository files out of `git status`. The patterns go into the repository's
 * `info/exclude` (in the common git dir, shared by every worktree), not into a `.gitignore`, so
 * nothing is written into the user's tracked tree and nothing shows up in their diffs.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write.ts';
import { readFileAs, writeFileAs } from '../multi-user/files-as.ts';
import type { UnixOwner } from '../multi-user/owner.ts';

/** Patterns excluded: the worktrees, the active-workspace file and its temp files. */
export const EXCLUDE_PATTERNS: readonly string[] = ['/.nexus/worktrees/', '/.nexus/current', '/.nexus/current.*.tmp'];

/** Comment written above the patterns. */
const HEADER = '# boulder (nexus.dev) workspace worktrees and state';

/** The new content of an exclude file with every missing pattern appended, or undefined when none is missing. */
export function withExcludePatterns(content: string, patterns: readonly string[] = EXCLUDE_PATTERNS): string | undefined {
  const present = new Set(content.split(/\r?\n/).map((line) => line.trim()));
  const missing = patterns.filter((pattern) => !present.has(pattern));
  if (missing.length === 0) return undefined;
  const prefix = content === '' || content.endsWith('\n') ? content : `${content}\n`;
  const header = present.has(HEADER) ? [] : [HEADER];
  return `${prefix}${[...header, ...missing].join('\n')}\n`;
}

/**
 * Adds the missing EXCLUDE_PATTERNS to `<commonGitDir>/info/exclude` (atomically; concurrent
 * callers write the same content). Returns true when the file was changed. With `as`, the file is
 * read and written as that user (a multi-user node's owner), never with the daemon's rights.
 */
export async function ensureExcluded(commonGitDir: string, as?: UnixOwner): Promise<boolean> {
  const infoDir = join(commonGitDir, 'info');
  const file = join(infoDir, 'exclude');
  let content = '';
  try {
    content = as === undefined ? await readFile(file, 'utf8') : await readFileAs(as, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const next = withExcludePatterns(content);
  if (next === undefined) return false;
  if (as !== undefined) {
    await writeFileAs(as, infoDir, file, next);
    return true;
  }
  await mkdir(infoDir, { recursive: true });
  await writeFileAtomic(file, next);
  return true;
}
