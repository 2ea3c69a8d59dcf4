/**
 * Safe file operations below one root (a workspace's file root on the host), for paths a client
 * names. Each path is checked as a string (`controllers/fs/relative-path.ts`: relative, normalised,
 * no `..`) and then walked like `openat`: the root is opened once, and every parent component is
 * opened relative to the previous one's descriptor (`/proc/self/fd/N/name`, which resolves through
 * the directory the descriptor holds, not through a path that could be swapped meanwhile) with
 * O_NOFOLLOW, so no symlink in the chain is ever followed. The last component is acted on relative
 * to its parent's descriptor too. A final symlink is followed only for reading and only when the
 * object actually opened lies inside the root (checked on the open descriptor). Only regular files
 * are opened for content (never a FIFO, device or socket a workspace could plant). Linux only.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readlinkSync, renameSync, rmdirSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { assertRelativePath, UnsafePathError, type PathIssueCode } from '../../../controllers/fs/relative-path.ts';
import { SYNC_TEMP_PREFIX } from '../../../controllers/sync/endpoint.ts';
import { ApiError } from '../../rpc/method.ts';
import { apiErrorOfErrno, at, errnoOf, escapes, infoOf, notFound, OpenedFile, removeTree, safeLstat, safeReadlink, TempFile, type EntryInfo } from './fd-ops.ts';

export { apiErrorOfErrno, OpenedFile, TempFile, type EntryInfo, type EntryType } from './fd-ops.ts';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK, O_APPEND } = constants;

/** Largest piece of content moved in one message (decoded bytes). */
export const CHUNK_BYTES = 1024 * 1024;

const ESCAPING: ReadonlySet<PathIssueCode> = new Set(['AbsolutePath', 'PathEscapes', 'SymlinkParent']);

/** An UnsafePathError as the API's error: leaving the root is PathEscapesWorkspace, a malformed name InvalidParams. */
export function apiErrorOfUnsafePath(err: UnsafePathError): ApiError {
  return new ApiError(ESCAPING.has(err.reason) ? 'PathEscapesWorkspace' : 'InvalidParams', err.message, { reason: err.reason, path: err.path });
}

/** Validates a client path (throws the API error); `''` is the root where `allowRoot`. */
export function checkPath(path: string, allowRoot = false): string[] {
  try {
    assertRelativePath(path, { allowRoot });
  } catch (err) {
    if (err instanceof UnsafePathError) throw apiErrorOfUnsafePath(err);
    throw err;
  }
  return path === '' ? [] : path.split('/');
}

/**
 * One workspace's file root, opened. Every operation takes a client path (validated here) and
 * never follows a symlink out of the root. Hold it for one call and `close()` it.
 */
export class SafeRoot {
  /** Descriptor of the root directory. */
  private readonly rootFd: number;
  /** Real path of the root (what /proc reports for descriptors inside it). */
  readonly realRoot: string;

  private constructor(rootFd: number, realRoot: string) {
    this.rootFd = rootFd;
    this.realRoot = realRoot;
  }

  /** Opens `root` (an absolute directory; it may itself be reached through a link). */
  static open(root: string): SafeRoot {
    let fd: number;
    try {
      fd = openSync(root, O_RDONLY | O_DIRECTORY);
    } catch (err) {
      if (errnoOf(err) === 'ENOENT' || errnoOf(err) === 'ENOTDIR') throw new ApiError('Unavailable', `the workspace's files are not there (${root} is missing)`);
      throw err;
    }
    return new SafeRoot(fd, readlinkSync(at(fd)));
  }

  /** Releases the root's descriptor. */
  close(): void {
    closeSync(this.rootFd);
  }

  /**
   * Opens the directory holding `components` (all but the last): each step relative to the
   * previous descriptor, with O_NOFOLLOW. `create` makes missing directories (mkdir -p). Returns a
   * descriptor the caller closes (unless it is the root's, see `release`).
   */
  private openParent(path: string, components: readonly string[], create = false): number {
    let current = this.rootFd;
    try {
      for (let i = 0; i < components.length - 1; i++) {
        const name = components[i] as string;
        let next: number;
        try {
          next = openSync(at(current, name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
        } catch (err) {
          if (errnoOf(err) === 'ENOENT' && create) {
            try {
              mkdirSync(at(current, name), 0o777);
            } catch (mkdirErr) {
              if (errnoOf(mkdirErr) !== 'EEXIST') throw mkdirErr;
            }
            next = openSync(at(current, name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
          } else {
            throw this.parentError(err, current, name, path, components.slice(0, i + 1).join('/'));
          }
        }
        this.release(current);
        current = next;
      }
      return current;
    } catch (err) {
      this.release(current);
      throw err;
    }
  }

  private parentError(err: unknown, dirFd: number, name: string, path: string, parent: string): unknown {
    const code = errnoOf(err);
    if (code === 'ENOTDIR' || code === 'ELOOP') {
      let link = false;
      try {
        link = lstatSync(at(dirFd, name)).isSymbolicLink();
      } catch {
        // Gone meanwhile: report it as not a directory.
      }
      if (link) return escapes(path, `parent ${JSON.stringify(parent)} is a symlink (never followed)`);
      return new ApiError('Conflict', `parent ${JSON.stringify(parent)} of ${JSON.stringify(path)} is not a directory`, { path });
    }
    if (code === 'ENOENT') return notFound(path);
    return apiErrorOfErrno(err, path);
  }

  private release(fd: number): void {
    if (fd !== this.rootFd) closeSync(fd);
  }

  /** Runs `act` with the parent descriptor and last component of `path`. */
  private withParent<T>(path: string, act: (dirFd: number, name: string) => T, options: { allowRoot?: boolean; create?: boolean } = {}): T {
    const components = checkPath(path, options.allowRoot === true);
    const dirFd = this.openParent(path, components, options.create === true);
    try {
      return act(dirFd, components.at(-1) as string);
    } finally {
      this.release(dirFd);
    }
  }

  /** What the descriptor `fd` really is: inside the root, or an error. */
  private assertInside(fd: number, path: string): void {
    const real = readlinkSync(at(fd));
    if (real !== this.realRoot && !real.startsWith(`${this.realRoot}/`)) throw escapes(path, 'a symlink leads out of the workspace');
  }

  /** `lstat` of `path` (`''`: the root); a symlink is reported with its target, not followed. */
  stat(path: string): EntryInfo {
    if (path === '') return infoOf('', fstatSync(this.rootFd));
    return this.withParent(path, (dirFd, name) => {
      let stats: Stats;
      try {
        stats = lstatSync(at(dirFd, name));
      } catch (err) {
        throw apiErrorOfErrno(err, path);
      }
      const info = infoOf(path, stats);
      if (info.type === 'symlink') info.target = readlinkSync(at(dirFd, name));
      return info;
    });
  }

  /**
   * The entries below directory `path`, breadth first, `depth` levels deep (1: its children),
   * at most `limit` entries (then `truncated`). Symlinked directories are listed, never entered.
   */
  list(path: string, depth: number, limit: number): { entries: EntryInfo[]; truncated: boolean } {
    const entries: EntryInfo[] = [];
    const top = path === '' ? this.rootFd : this.withParent(path, (dirFd, name) => this.openDirectory(dirFd, name, path));
    const queue: { fd: number; prefix: string; level: number }[] = [{ fd: top, prefix: path === '' ? '' : `${path}/`, level: 1 }];
    let truncated = false;
    try {
      while (queue.length > 0) {
        const { fd, prefix, level } = queue.shift() as { fd: number; prefix: string; level: number };
        try {
          const names = readdirSync(at(fd)).sort();
          for (const name of names) {
            if (entries.length >= limit) {
              truncated = true;
              break;
            }
            let stats: Stats;
            try {
              stats = lstatSync(at(fd, name));
            } catch {
              continue;
            }
            const info = infoOf(`${prefix}${name}`, stats);
            if (info.type === 'symlink') info.target = safeReadlink(at(fd, name));
            entries.push(info);
            if (info.type === 'directory' && level < depth) {
              try {
                queue.push({ fd: openSync(at(fd, name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW), prefix: `${info.path}/`, level: level + 1 });
              } catch {
                // Replaced meanwhile (e.g. by a link): listed, not entered.
              }
            }
          }
        } finally {
          this.release(fd);
        }
        if (truncated) break;
      }
    } finally {
      for (const rest of queue) this.release(rest.fd);
    }
    return { entries, truncated };
  }

  private openDirectory(dirFd: number, name: string, path: string): number {
    try {
      return openSync(at(dirFd, name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    } catch (err) {
      if (errnoOf(err) === 'ENOTDIR' || errnoOf(err) === 'ELOOP') {
        if (safeLstat(at(dirFd, name))?.isSymbolicLink() === true) throw escapes(path, 'it is a symlink (never followed)');
        throw new ApiError('InvalidParams', `${JSON.stringify(path)} is not a directory`, { path });
      }
      throw apiErrorOfErrno(err, path);
    }
  }

  /**
   * Opens regular file `path` for reading. A final symlink is followed only when the file it
   * reaches is inside the root (checked on the open descriptor, so no race can redirect it).
   */
  openForRead(path: string): OpenedFile {
    const fd = this.withParent(path, (dirFd, name) => {
      let opened: number;
      try {
        opened = openSync(at(dirFd, name), O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
      } catch (err) {
        if (errnoOf(err) !== 'ELOOP') throw apiErrorOfErrno(err, path);
        try {
          opened = openSync(at(dirFd, name), O_RDONLY | O_NONBLOCK);
        } catch (linkErr) {
          if (errnoOf(linkErr) === 'ENOENT' || errnoOf(linkErr) === 'ELOOP') throw escapes(path, 'a symlink leads out of the workspace (or nowhere)');
          throw apiErrorOfErrno(linkErr, path);
        }
        try {
          this.assertInside(opened, path);
        } catch (outside) {
          closeSync(opened);
          throw outside;
        }
      }
      return opened;
    });
    const stats = fstatSync(fd);
    if (!stats.isFile()) {
      closeSync(fd);
      throw new ApiError(stats.isDirectory() ? 'Conflict' : 'InvalidParams', `${JSON.stringify(path)} is ${stats.isDirectory() ? 'a directory' : 'not a regular file'}`, { path });
    }
    return new OpenedFile(fd, stats.size);
  }

  /** sha256 (hex) of regular file `path`, or undefined when there is none. */
  async hashOf(path: string): Promise<string | undefined> {
    let file: OpenedFile;
    try {
      file = this.openForRead(path);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'NotFound') return undefined;
      throw err;
    }
    try {
      const hash = createHash('sha256');
      const buffer = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, Math.max(1, file.size)));
      for (let position = 0; ; ) {
        const bytesRead = file.size <= CHUNK_BYTES ? file.readSync(buffer, 0, buffer.length, position) : await file.read(buffer, 0, buffer.length, position);
        if (bytesRead === 0) break;
        hash.update(buffer.subarray(0, bytesRead));
        position += bytesRead;
      }
      return hash.digest('hex');
    } finally {
      file.close();
    }
  }

  /**
   * Creates a temporary file beside `path` (a name sync never copies), for an atomic replace.
   * Parents are created when `createParents`. Refuses a `path` that is a directory or a symlink.
   */
  createTemp(path: string, createParents: boolean): TempFile {
    return this.withParent(
      path,
      (dirFd, name) => {
        const existing = safeLstat(at(dirFd, name));
        if (existing?.isSymbolicLink() === true) throw escapes(path, 'it is a symlink (never followed when writing)');
        if (existing?.isDirectory() === true) throw new ApiError('Conflict', `${JSON.stringify(path)} is a directory`, { path });
        const tempName = `${SYNC_TEMP_PREFIX}api-${randomBytes(6).toString('hex')}`;
        const mode = existing?.isFile() === true ? existing.mode & 0o7777 : 0o666;
        const fd = openSync(at(dirFd, tempName), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
        // The parent stays open (a duplicate through /proc) so the commit renames in the same directory.
        const parentFd = openSync(at(dirFd), O_RDONLY | O_DIRECTORY);
        return new TempFile(fd, parentFd, tempName, name, path);
      },
      { create: createParents },
    );
  }

  /** Makes directory `path` (with its parents when `parents`; an existing directory is then fine). */
  mkdir(path: string, parents: boolean): void {
    this.withParent(
      path,
      (dirFd, name) => {
        try {
          mkdirSync(at(dirFd, name), 0o777);
        } catch (err) {
          if (errnoOf(err) === 'EEXIST' && parents && safeLstat(at(dirFd, name))?.isDirectory() === true) return;
          throw apiErrorOfErrno(err, path);
        }
      },
      { create: parents },
    );
  }

  /** Removes `path` (a symlink itself, never its target); a directory needs `recursive` unless empty. */
  remove(path: string, recursive: boolean): void {
    this.withParent(path, (dirFd, name) => {
      const stats = safeLstat(at(dirFd, name));
      if (stats === undefined) throw notFound(path);
      try {
        if (!stats.isDirectory()) unlinkSync(at(dirFd, name));
        else if (recursive) removeTree(dirFd, name);
        else rmdirSync(at(dirFd, name));
      } catch (err) {
        if (errnoOf(err) === 'ENOTEMPTY') throw new ApiError('Conflict', `${JSON.stringify(path)} is a directory that is not empty (remove it with recursive)`, { path });
        throw apiErrorOfErrno(err, path);
      }
    });
  }

  /**
   * Appends `text` to the regular file `path` (made, with its parents, when missing; `mode` for a
   * new file). Refuses a symlink at any step, like every other write. Returns true when the file
   * was created by this call.
   */
  appendText(path: string, text: string, mode = 0o644): boolean {
    return this.withParent(
      path,
      (dirFd, name) => {
        const existed = safeLstat(at(dirFd, name)) !== undefined;
        const fd = openSync(at(dirFd, name), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK, mode);
        try {
          if (!fstatSync(fd).isFile()) throw new ApiError('Conflict', `${JSON.stringify(path)} is not a regular file`, { path });
          writeSync(fd, text);
        } finally {
          closeSync(fd);
        }
        return !existed;
      },
      { create: true },
    );
  }

  /** Renames `from` to `to` (both below the root); an existing `to` is replaced only with `overwrite`. */
  rename(from: string, to: string, overwrite: boolean): void {
    this.withParent(from, (fromDir, fromName) => {
      if (safeLstat(at(fromDir, fromName)) === undefined) throw notFound(from);
      this.withParent(to, (toDir, toName) => {
        const existing = safeLstat(at(toDir, toName));
        if (existing !== undefined && !overwrite) throw new ApiError('Conflict', `${JSON.stringify(to)} exists (rename with overwrite to replace it)`, { path: to });
        try {
          renameSync(at(fromDir, fromName), at(toDir, toName));
        } catch (err) {
          throw apiErrorOfErrno(err, to);
        }
      });
    });
  }
}

