/**
 * The descriptor-level pieces of safe-fs.ts: paths through `/proc/self/fd`, the API errors of system
 * errors, entry info, the read handle, the temp file of a write and the descriptor-walking tree
 * removal. Nothing here takes a client path unchecked: SafeRoot validates paths and opens the parents.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, lstatSync, openSync, read, readdirSync, readlinkSync, readSync, renameSync, rmdirSync, unlinkSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { ApiError } from '../../rpc/method.ts';

const { O_RDONLY, O_WRONLY, O_DIRECTORY, O_NOFOLLOW } = constants;

/** What a path names on disk (a symlink is reported, never followed). */
export type EntryType = 'file' | 'directory' | 'symlink' | 'other';

/** `fs.stat` of one entry. */
export interface EntryInfo {
  /** Relative to the root (`''` for the root itself). */
  path: string;
  type: EntryType;
  size: number;
  /** Permission bits, e.g. 0o644. */
  mode: number;
  /** Last modification, RFC 3339. */
  mtime: string;
  /** A symlink's target, as data. */
  target?: string;
}

/** A descriptor path: what `name` is inside the directory open as `fd` (resolved through the descriptor). */
export function at(fd: number, name?: string): string {
  return name === undefined ? `/proc/self/fd/${fd}` : `/proc/self/fd/${fd}/${name}`;
}

/** The code of a Node system error. */
export function errnoOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

export function escapes(path: string, detail: string): ApiError {
  return new ApiError('PathEscapesWorkspace', `unsafe path ${JSON.stringify(path)}: ${detail}`, { reason: 'SymlinkParent', path });
}

export function notFound(path: string): ApiError {
  return new ApiError('NotFound', `${JSON.stringify(path)} does not exist in the workspace`, { path });
}

/** The API error for a system error while acting on `path`. */
export function apiErrorOfErrno(err: unknown, path: string): unknown {
  switch (errnoOf(err)) {
    case 'ENOENT':
      return notFound(path);
    case 'EEXIST':
    case 'ENOTEMPTY':
      return new ApiError('Conflict', `${JSON.stringify(path)}: ${(err as Error).message.replace(/, \w+ '\/proc\/self\/fd\/.*$/, '')}`, { path });
    case 'EISDIR':
      return new ApiError('Conflict', `${JSON.stringify(path)} is a directory`, { path });
    case 'ENOTDIR':
      return new ApiError('Conflict', `a parent of ${JSON.stringify(path)} is not a directory`, { path });
    case 'EACCES':
    case 'EPERM':
      return new ApiError('Forbidden', `${JSON.stringify(path)}: permission denied`, { path });
    case 'ENOSPC':
    case 'EDQUOT':
    case 'EFBIG':
      return new ApiError('TooLarge', `${JSON.stringify(path)}: no space left`, { path });
    default:
      return err;
  }
}

export function typeOf(stats: Stats): EntryType {
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) return 'directory';
  if (stats.isSymbolicLink()) return 'symlink';
  return 'other';
}

/** A regular file open for reading (its own descriptor). Close it when done. */
export class OpenedFile {
  readonly fd: number;
  readonly size: number;
  private closed = false;

  constructor(fd: number, size: number) {
    this.fd = fd;
    this.size = size;
  }

  /** Reads synchronously (for small reads: no thread-pool round trip); returns the bytes read. */
  readSync(buffer: Buffer, offset: number, length: number, position: number): number {
    return readSync(this.fd, buffer, offset, length, position);
  }

  /** Reads in the thread pool (for big files); resolves the bytes read. */
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    return new Promise((resolve, reject) => read(this.fd, buffer, offset, length, position, (err, bytesRead) => (err === null ? resolve(bytesRead) : reject(err))));
  }

  /** Closes the descriptor. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}

/** A temporary file being written beside its target; `commit` renames it over the target, `abort` removes it. */
export class TempFile {
  private offset = 0;
  private done = false;
  private readonly hash = createHash('sha256');

  private readonly fd: number;
  private readonly parentFd: number;
  private readonly tempName: string;
  private readonly name: string;
  /** The target, relative to the root. */
  readonly path: string;

  constructor(fd: number, parentFd: number, tempName: string, name: string, path: string) {
    this.fd = fd;
    this.parentFd = parentFd;
    this.tempName = tempName;
    this.name = name;
    this.path = path;
  }

  /** Bytes written so far. */
  get size(): number {
    return this.offset;
  }

  /** Appends `data`. */
  async append(data: Buffer): Promise<void> {
    const handle = await open(at(this.fd), O_WRONLY);
    try {
      let written = 0;
      while (written < data.length) {
        const { bytesWritten } = await handle.write(data, written, data.length - written, this.offset + written);
        written += bytesWritten;
      }
    } catch (err) {
      throw apiErrorOfErrno(err, this.path);
    } finally {
      await handle.close();
    }
    this.hash.update(data);
    this.offset += data.length;
  }

  /** Renames the temp file over the target (atomic for readers); returns the content's sha256. */
  commit(): string {
    const digest = this.hash.digest('hex');
    this.finish();
    try {
      renameSync(at(this.parentFd, this.tempName), at(this.parentFd, this.name));
    } catch (err) {
      this.removeTemp();
      throw apiErrorOfErrno(err, this.path);
    } finally {
      closeSync(this.parentFd);
    }
    return digest;
  }

  /** Drops the temp file. Idempotent. */
  abort(): void {
    if (this.done) return;
    this.finish();
    this.removeTemp();
    closeSync(this.parentFd);
  }

  private finish(): void {
    if (this.done) throw new ApiError('Conflict', 'the upload is already finished');
    this.done = true;
    closeSync(this.fd);
  }

  private removeTemp(): void {
    try {
      unlinkSync(at(this.parentFd, this.tempName));
    } catch {
      // Already gone.
    }
  }
}

/** Removes directory `name` of `dirFd` and everything below it, each step through descriptors (no link followed). */
export function removeTree(dirFd: number, name: string): void {
  const fd = openSync(at(dirFd, name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  try {
    for (const entry of readdirSync(at(fd))) {
      const stats = safeLstat(at(fd, entry));
      if (stats === undefined) continue;
      if (stats.isDirectory()) removeTree(fd, entry);
      else unlinkSync(at(fd, entry));
    }
  } finally {
    closeSync(fd);
  }
  rmdirSync(at(dirFd, name));
}

export function infoOf(path: string, stats: Stats): EntryInfo {
  return { path, type: typeOf(stats), size: stats.size, mode: stats.mode & 0o7777, mtime: stats.mtime.toISOString() };
}

export function safeLstat(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

export function safeReadlink(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}
