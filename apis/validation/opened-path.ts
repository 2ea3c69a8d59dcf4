/**
 * Reading a file only where a check said it is. A realpath check followed by a read of the path is
 * a race: between the two, a directory or the file itself can be swapped for a symbolic link (a
 * workspace's container writes the worktree directly in bind mode). So the check is made on what
 * was opened: the file is opened once, the kernel says where that descriptor really is
 * (`/proc/self/fd/N` on Linux), and only then is it read, from the same descriptor. Where there is
 * no /proc (macOS), the path is resolved with realpath right before the open, which leaves a
 * narrow race and is the best Node offers there (it has no openat).
 */
import { constants } from 'node:fs';
import { open, readlink, realpath } from 'node:fs/promises';
import { readHandleBounded } from './bounded-read.ts';
import { isInside } from './build-on-disk.ts';

const PROC_FD = '/proc/self/fd';

/** Thrown when an opened file is not inside the directory it must be in, or not a regular file. */
export class OutsideRootError extends Error {
  /** Stable code, shown where an errno code would be. */
  readonly code = 'OUTSIDE_ROOT';
  constructor(message: string) {
    super(message);
    this.name = 'OutsideRootError';
  }
}

/**
 * Where the kernel says the open descriptor `fd` is (an absolute path); undefined where the system
 * has no /proc/self/fd. A file deleted since it was opened reads as `PATH (deleted)`, which matches
 * no expected path.
 */
export async function pathOfDescriptor(fd: number): Promise<string | undefined> {
  try {
    return await readlink(`${PROC_FD}/${fd}`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** A path naming the directory entry `name` of the directory open as `dirFd`, resolved by the kernel from the descriptor, not from a path. */
export function entryOfDescriptor(dirFd: number, name: string): string {
  return `${PROC_FD}/${dirFd}/${name}`;
}

/**
 * Reads the regular file `path` as UTF-8 after checking, on the opened descriptor, that it is inside
 * `realRoot` (an absolute path without symbolic links). Links on the way are allowed as long as
 * the file they lead to is inside. Throws OutsideRootError when it is not (nothing of it is read),
 * the open's error (ENOENT, …) otherwise; with `limit`, InputTooLargeError past that many bytes.
 */
export async function readTextInside(path: string, realRoot: string, limit?: number): Promise<string> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const real = (await pathOfDescriptor(handle.fd)) ?? (await realpath(path));
    if (!isInside(realRoot, real)) throw new OutsideRootError(`${path} resolves to ${real}, outside ${realRoot}; it was not read`);
    if (!(await handle.stat()).isFile()) throw new OutsideRootError(`${path} is not a regular file; it was not read`);
    return limit === undefined ? await handle.readFile('utf8') : await readHandleBounded(handle, limit);
  } finally {
    await handle.close();
  }
}
