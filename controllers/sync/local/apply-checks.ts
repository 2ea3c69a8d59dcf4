/**
 * What every operation of apply.ts checks before it acts: the parent chain holds no symlink, and the
 * path still holds the entry the operation expects (digest verified through the digest cache or by
 * re-hashing).
 */
import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { link, lstat, readlink, rename } from 'node:fs/promises';
import {
  SYNC_TEMP_PREFIX,
  type Entry,
  type OperationResult,
} from '../endpoint.ts';
import { parentIssue } from '../../fs/no-follow.ts';
import { type DigestCache } from './digest-cache.ts';
import { hashFile, isExecutableMode, sameFileState } from './hash.ts';

/** What the applier needs from its endpoint. */
export interface ApplyContext {
  /** Absolute path of the root (parents below it are checked with lstat, never followed). */
  root: string;
  absolute(path: string): string;
  cache: DigestCache;
  /** Called for every path the batch changed (so the next accelerated scan looks at it). */
  touched(path: string): void;
}

/** What a verification found at a path. */
export type Verdict = { matches: true; stats: Stats | undefined } | { matches: false; message: string };

/** A temporary name beside `absolute`. */
export function tempNameBeside(absolute: string, suffix: string): string {
  const slash = absolute.lastIndexOf('/');
  return `${absolute.slice(0, slash + 1)}${SYNC_TEMP_PREFIX}${randomBytes(6).toString('hex')}.${suffix}`;
}

/** Refuses an operation when a parent of `path` is a symlink, not a directory, or missing (lstat). */
export function unsafeParent(ctx: ApplyContext, path: string): OperationResult | undefined {
  const issue = parentIssue(ctx.root, path);
  return issue === undefined ? undefined : { status: 'changed', message: issue.message };
}

/** The code of a Node system error. */
export function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

/** Checks that `path` holds `expected` (undefined = nothing), hashing when the cache cannot tell. */
export async function verify(ctx: ApplyContext, path: string, expected: Entry | undefined, absoluteOverride?: string): Promise<Verdict> {
  const absolute = absoluteOverride ?? ctx.absolute(path);
  let stats: Stats;
  try {
    stats = await lstat(absolute);
  } catch (err) {
    const code = errorCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      return expected === undefined ? { matches: true, stats: undefined } : { matches: false, message: 'the path no longer exists' };
    }
    throw err;
  }
  if (expected === undefined) return { matches: false, message: 'something appeared at the path' };
  if (expected.kind === 'directory') {
    return stats.isDirectory() ? { matches: true, stats } : { matches: false, message: 'no longer a directory' };
  }
  if (expected.kind === 'symlink') {
    if (!stats.isSymbolicLink()) return { matches: false, message: 'no longer a symlink' };
    const target = await readlink(absolute);
    return target === expected.target ? { matches: true, stats } : { matches: false, message: 'symlink target changed' };
  }
  if (!stats.isFile()) return { matches: false, message: 'no longer a regular file' };
  if (isExecutableMode(stats.mode) !== expected.executable) return { matches: false, message: 'executable bit changed' };
  if (stats.size !== expected.size) return { matches: false, message: 'content changed' };
  // The cache only knows the original path; a file renamed aside keeps its inode and ctime changes,
  // so look it up under its original name with the stats taken before the rename when possible.
  let digest = absoluteOverride === undefined ? ctx.cache.get(path, stats) : undefined;
  if (digest === undefined) {
    const hashedAt = Date.now();
    const outcome = await hashFile(absolute, stats);
    if (outcome.status !== 'ok') return { matches: false, message: 'content changed' };
    digest = outcome.digest;
    if (absoluteOverride === undefined) ctx.cache.set(path, outcome.stats, digest, hashedAt);
  }
  return digest === expected.digest ? { matches: true, stats } : { matches: false, message: 'content changed' };
}

/** True when `absolute` still has the state `before` described. */
export async function unchangedSince(absolute: string, before: Stats): Promise<boolean> {
  try {
    const now = await lstat(absolute);
    return sameFileState(now, before) && now.mode === before.mode;
  } catch {
    return false;
  }
}

/** Links `temp` at `target` only if nothing exists there; false when something does. */
export async function linkNoReplace(temp: string, target: string): Promise<boolean> {
  try {
    await link(temp, target);
    return true;
  } catch (err) {
    const code = errorCode(err);
    if (code === 'EEXIST') return false;
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'EXDEV' || code === 'EMLINK') {
      // No hard links here: fall back to check-then-rename.
      try {
        await lstat(target);
        return false;
      } catch {
        await rename(temp, target);
        return true;
      }
    }
    throw err;
  }
}
