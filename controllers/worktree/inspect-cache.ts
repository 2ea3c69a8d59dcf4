/**
 * A remembered `inspectWorktreeDir` answer for the idempotent path of `ensureWorktree` (every
 * converge of a workspace with a repository, e.g. each `boulder switch`): git's answer (one
 * `git rev-parse`, a process spawn that dominated a switch's converge) is reused while nothing it
 * depends on changed, which a few `lstat` calls tell:
 *   - the worktree directory (device and inode) and its real path (the top level git reported);
 *   - its `.git` file, the worktree's admin dir (`<common>/worktrees/NAME`: a file added there,
 *     e.g. `config.worktree`, changes its mtime), the admin dir's `HEAD` and `commondir`;
 *   - the checked-out branch's loose ref and `packed-refs` (the commit reported as `head`).
 * Each is compared by device, inode, mode, size and mtime (ns); git replaces these files by rename
 * (a new inode). An answer is remembered only when none of them changed shortly before git was
 * asked (a change racing the call). Anything else — a detached or reftable
 * repository without loose or packed refs, a path that is not a worktree, a multi-user owner (git
 * runs as that user) — is not remembered: git is asked, as before. A fingerprint that cannot be
 * read means a miss. The cache holds positive answers only, per path, bounded in size.
 */
import { lstat, readFile, realpath } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { inspectWorktreeDir, type FoundWorktree, type WorktreeDirState } from './inspect.ts';
import type { UnixOwner } from '../multi-user/owner.ts';

/** Paths remembered at most (the oldest is forgotten first). */
const MAX_ENTRIES = 512;

/** One file's identity: `dev:ino:mode:size:mtimeNs` (the worktree directory: `dev:ino:mode`), or `-` when it does not exist. */
type Stamp = string;

interface Entry {
  found: FoundWorktree;
  stamps: Stamp[];
}

const remembered = new Map<string, Entry>();

/** Stamps the files; `newest` is the latest mtime (ns) among them (the worktree directory's not counted). */
async function stampFiles(directory: string, files: readonly string[]): Promise<{ stamps: Stamp[]; newest: bigint }> {
  let newest = 0n;
  const stampOf = async (path: string, isDirectory: boolean): Promise<Stamp> => {
    try {
      const s = await lstat(path, { bigint: true });
      if (isDirectory) return `${s.dev}:${s.ino}:${s.mode}`;
      if (s.mtimeNs > newest) newest = s.mtimeNs;
      return `${s.dev}:${s.ino}:${s.mode}:${s.size}:${s.mtimeNs}`;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return '-';
      throw err;
    }
  };
  const stamps = await Promise.all([stampOf(directory, true), ...files.map((f) => stampOf(f, false))]);
  return { stamps, newest };
}

/** The admin dir a worktree's `.git` file names (`gitdir: X`), absolute; undefined when unreadable. */
async function adminDirOf(worktree: string): Promise<string | undefined> {
  try {
    const match = /^gitdir: (.+)$/m.exec(await readFile(join(worktree, '.git'), 'utf8'));
    if (match === null) return undefined;
    const dir = match[1]!.trim();
    return isAbsolute(dir) ? dir : resolve(worktree, dir);
  } catch {
    return undefined;
  }
}

/**
 * The stamps of everything `found` depends on (see the module comment) and their newest mtime;
 * undefined when its head cannot be covered by stamps (a branch with neither a loose ref nor
 * packed-refs, e.g. reftable; a ref other than a branch or a detached HEAD).
 */
async function stampsOf(path: string, found: FoundWorktree): Promise<{ stamps: Stamp[]; newest: bigint } | undefined> {
  const admin = await adminDirOf(path);
  if (admin === undefined) return undefined;
  const branch = found.ref.startsWith('refs/heads/');
  if (!branch && found.ref !== 'HEAD') return undefined;
  // Detached: HEAD holds the commit itself, its stamp covers it.
  const refFiles = branch ? [join(found.commonGitDir, found.ref), join(found.commonGitDir, 'packed-refs')] : [];
  const { stamps, newest } = await stampFiles(path, [join(path, '.git'), admin, join(admin, 'HEAD'), join(admin, 'commondir'), ...refFiles]);
  if (branch && stamps.slice(-2).every((s) => s === '-')) return undefined;
  return { stamps: [admin, ...stamps], newest };
}

/**
 * Files changed less than this before git was asked are not trusted to stamp its answer: a change
 * racing the git call may carry an mtime of the same clock tick.
 */
const SETTLED_NS = 50_000_000n;

const sameStamps = (a: readonly Stamp[], b: readonly Stamp[]): boolean => a.length === b.length && a.every((s, i) => s === b[i]);

/**
 * `inspectWorktreeDir(path, as)`, answered from memory when the same worktree was found before and
 * nothing it depends on changed since (see the module comment).
 */
export async function inspectWorktreeDirCached(path: string, as?: UnixOwner): Promise<WorktreeDirState> {
  if (as !== undefined) return inspectWorktreeDir(path, as);
  const absolute = resolve(path);
  const entry = remembered.get(absolute);
  if (entry !== undefined) {
    try {
      const [stamped, real] = await Promise.all([stampsOf(absolute, entry.found), realpath(absolute)]);
      if (stamped !== undefined && real === entry.found.topLevel && sameStamps(stamped.stamps, entry.stamps)) return entry.found;
    } catch {
      // Something changed under us: ask git.
    }
    remembered.delete(absolute);
  }
  const askedNs = BigInt(Date.now()) * 1_000_000n;
  const state = await inspectWorktreeDir(absolute);
  if (state.kind !== 'worktree') return state;
  try {
    const stamped = await stampsOf(absolute, state);
    // Remembered only when nothing it depends on changed around the git call.
    if (stamped !== undefined && stamped.newest < askedNs - SETTLED_NS) {
      if (remembered.size >= MAX_ENTRIES) remembered.delete(remembered.keys().next().value as string);
      remembered.set(absolute, { found: state, stamps: stamped.stamps });
    }
  } catch {
    // Not remembered; the answer stands.
  }
  return state;
}

/** Forgets every remembered answer (tests). */
export function forgetInspectedWorktrees(): void {
  remembered.clear();
}
