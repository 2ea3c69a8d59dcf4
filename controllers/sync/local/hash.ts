/**
 * Content hashing of local files with a consistency check: the file is opened without following
 * symlinks and without blocking (a FIFO swapped in cannot hang the scan), and its size, mtime and
 * ctime must be the same before and after reading, otherwise it was written to while being hashed.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';

/** Flags for opening a file to read: no symlink following, no blocking on FIFOs. */
export const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** Files up to this size are read in one call; larger ones in chunks of `CHUNK_SIZE`. */
const WHOLE_READ_LIMIT = 4 * 1024 * 1024;

/** Largest file `hashFileSync` accepts (bounds how long one call blocks the event loop). */
export const SYNC_HASH_LIMIT = 256 * 1024;

/** Chunk size for streaming reads. */
export const CHUNK_SIZE = 1024 * 1024;

/** Result of hashing a file. */
export type HashOutcome =
  | { status: 'ok'; digest: string; stats: Stats }
  /** Not a regular file any more, or gone. */
  | { status: 'vanished' }
  /** Written to while being read. */
  | { status: 'changed' }
  | { status: 'unreadable'; message: string };

/** A stat key for cache lookups: equal keys mean "very likely the same content". */
export function statKey(stats: Stats): string {
  return `${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}:${stats.ino}`;
}

/** True when the two stats describe the same file state (size, mtime, ctime, inode). */
export function sameFileState(a: Stats, b: Stats): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.ino === b.ino;
}

/**
 * Hashes the file at `path` (sha256, hex). `before` is the file's lstat from just before; the
 * open file must still be in that state after reading (otherwise `changed`).
 */
export async function hashFile(path: string, before: Stats): Promise<HashOutcome> {
  let handle;
  try {
    handle = await open(path, READ_FLAGS);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ELOOP' || code === 'ENOTDIR' || code === 'ENXIO') return { status: 'vanished' };
    return { status: 'unreadable', message: (err as Error).message };
  }
  try {
    const hash = createHash('sha256');
    if (before.size <= WHOLE_READ_LIMIT) {
      // One read of size + 1 bytes: a file that grew shows up as a size mismatch below.
      const buffer = Buffer.allocUnsafe(before.size + 1);
      let filled = 0;
      for (;;) {
        const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
        if (filled === buffer.length) break;
      }
      if (filled !== before.size) return { status: 'changed' };
      hash.update(buffer.subarray(0, filled));
    } else {
      const buffer = Buffer.allocUnsafe(CHUNK_SIZE);
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, CHUNK_SIZE, null);
        if (bytesRead === 0) break;
        hash.update(buffer.subarray(0, bytesRead));
      }
    }
    const after = await handle.stat();
    if (!after.isFile()) return { status: 'vanished' };
    if (!sameFileState(before, after)) return { status: 'changed' };
    return { status: 'ok', digest: hash.digest('hex'), stats: after };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EISDIR' || code === 'EAGAIN') return { status: 'vanished' };
    return { status: 'unreadable', message: (err as Error).message };
  } finally {
    await handle.close();
  }
}

/**
 * `hashFile` with synchronous calls, for small files (≤ `SYNC_HASH_LIMIT`): several times
 * cheaper than four thread-pool round trips per file when the data is in the page cache, at the
 * price of blocking the event loop for the duration of one file's read.
 */
export function hashFileSync(path: string, before: Stats): HashOutcome {
  if (before.size > SYNC_HASH_LIMIT) throw new RangeError(`hashFileSync is for files up to ${SYNC_HASH_LIMIT} bytes`);
  let fd: number;
  try {
    fd = openSync(path, READ_FLAGS);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ELOOP' || code === 'ENOTDIR' || code === 'ENXIO') return { status: 'vanished' };
    return { status: 'unreadable', message: (err as Error).message };
  }
  try {
    // One read of size + 1 bytes: a file that grew shows up as a size mismatch below.
    const buffer = Buffer.allocUnsafe(before.size + 1);
    let filled = 0;
    for (;;) {
      const bytesRead = readSync(fd, buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
      if (filled === buffer.length) break;
    }
    if (filled !== before.size) return { status: 'changed' };
    const after = fstatSync(fd);
    if (!after.isFile()) return { status: 'vanished' };
    if (!sameFileState(before, after)) return { status: 'changed' };
    return { status: 'ok', digest: createHash('sha256').update(buffer.subarray(0, filled)).digest('hex'), stats: after };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EISDIR' || code === 'EAGAIN') return { status: 'vanished' };
    return { status: 'unreadable', message: (err as Error).message };
  } finally {
    closeSync(fd);
  }
}

/** True when any execute bit is set in `mode`. */
export function isExecutableMode(mode: number): boolean {
  return (mode & 0o111) !== 0;
}

/** `mode` with execute bits added where read bits are set, or all execute bits removed. */
export function withExecutable(mode: number, executable: boolean): number {
  const perms = mode & 0o7777;
  if (!executable) return perms & ~0o111;
  const x = (perms & 0o444) >> 2;
  return perms | (x === 0 ? 0o100 : x);
}
