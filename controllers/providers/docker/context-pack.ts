/**
 * The tar stream of a build context, packed without ever leaving it. The context is the resolved
 * directory the containment check returned (controllers/workspace/build-containment.ts), and the
 * workspace's container may be writing it while it is packed (bind mode), so every entry is read
 * through its parent directory opened and checked on the descriptor: the kernel must place that
 * directory exactly at `<context>/<dir>`, else a directory of the context was swapped for a symbolic
 * link after the check and packing stops with an error. The entry itself is looked at with lstat
 * and opened with O_NOFOLLOW through the directory's descriptor: a symbolic link in the context is
 * packed as a link (its target string), never as what it points to.
 */
import { constants, type Stats } from 'node:fs';
import { lstat, open, readlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, isAbsolute, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pack, type PackFs } from 'tar-fs';
import { entryOfDescriptor, pathOfDescriptor } from '../../../apis/validation/opened-path.ts';
import { BuildContextError } from './build-context.ts';

const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/**
 * A tar stream of `files` (context-relative POSIX paths of regular files and symbolic links) of the
 * resolved build `context`. It emits an error (a BuildContextError) as soon as an entry is not
 * where the context says, or a regular file became something else.
 */
export function packBuildContext(context: string, files: string[]): Readable {
  // Called only from a file stream, after `stream` exists (tar-fs does every fs call asynchronously).
  const fail = (err: unknown): void => {
    stream.destroy(err instanceof Error ? err : new Error(String(err)));
  };
  const stream = pack(context, { entries: files, fs: confinedFs(context, fail) });
  return stream;
}

type Callback<T> = (err: Error | null, value?: T) => void;

/** The part of `fs` tar-fs uses to pack listed entries, each confined to `context`. */
function confinedFs(context: string, fail: (err: unknown) => void): PackFs {
  const refuse = (what: string) => (path: string, cb: Callback<never>) => cb(new BuildContextError(`${what} of ${path} is not used to pack a build context`));
  return {
    lstat: (path: string, cb: Callback<Stats>) => void throughParent(context, path, (p) => lstat(p)).then((s) => cb(null, s), cb),
    readlink: (path: string, cb: Callback<string>) => void throughParent(context, path, (p) => readlink(p)).then((l) => cb(null, l), cb),
    createReadStream: (path: string, options: { start: number; end: number }) => readStream(throughParent(context, path, (entry) => openRegular(entry, path)), options, fail),
    stat: refuse('stat'),
    readdir: refuse('readdir'),
  };
}

/**
 * Runs `use` on the entry `path` of the context, named through its parent directory's descriptor
 * after checking the kernel places that directory exactly where the context says.
 */
async function throughParent<T>(context: string, path: string, use: (entry: string) => Promise<T>): Promise<T> {
  const rel = relative(context, path);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new BuildContextError(`${path} is not an entry of the build context ${context}`);
  }
  const parent = dirname(path);
  const dir = await open(parent, constants.O_RDONLY | constants.O_DIRECTORY).catch((err: unknown) => {
    throw new BuildContextError(`cannot open ${parent} of the build context: ${(err as Error).message}`, { cause: err });
  });
  try {
    const real = await pathOfDescriptor(dir.fd);
    if (real === undefined) {
      await assertNoLinkBetween(context, parent);
      return await use(path);
    }
    if (real !== parent) {
      throw new BuildContextError(
        `${parent} of the build context now leads to ${real} (a directory was replaced by a symbolic link after the containment check); nothing through it is packed`,
      );
    }
    return await use(entryOfDescriptor(dir.fd, basename(path)));
  } finally {
    await dir.close();
  }
}

/** Where there is no /proc: every directory from the context down to `dir` must not be a link (lstat). */
async function assertNoLinkBetween(context: string, dir: string): Promise<void> {
  let current = context;
  for (const part of ['', ...relative(context, dir).split(sep).filter((p) => p !== '')]) {
    if (part !== '') current = `${current}${sep}${part}`;
    const stats = await lstat(current);
    if (stats.isSymbolicLink() || !stats.isDirectory()) {
      throw new BuildContextError(`${current} of the build context is not a directory any more (a symbolic link?); nothing through it is packed`);
    }
  }
}

/** Opens a regular file without following a link; anything else is an error. */
async function openRegular(entry: string, shown: string): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(entry, READ_FLAGS);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new BuildContextError(`${shown} became a symbolic link while the build context was packed; it is not followed`, { cause: err });
    throw new BuildContextError(`cannot read ${shown} of the build context: ${(err as Error).message}`, { cause: err });
  }
  if (!(await handle.stat()).isFile()) {
    await handle.close();
    throw new BuildContextError(`${shown} is not a regular file any more; it is not packed`);
  }
  return handle;
}

/** A byte stream of the file `opening` resolves to, from `start` to `end` (inclusive); a failure fails the whole pack. */
function readStream(opening: Promise<FileHandle>, range: { start: number; end: number }, fail: (err: unknown) => void): Readable {
  async function* chunks(): AsyncGenerator<Buffer> {
    const handle = await opening;
    // The stream closes the handle when it ends or fails.
    for await (const chunk of handle.createReadStream({ start: range.start, end: range.end })) yield chunk as Buffer;
  }
  const stream = Readable.from(chunks(), { objectMode: false });
  // tar-fs only ends the one tar entry when its file stream fails, which would leave the tar
  // stream waiting forever: the failure ends the pack instead.
  stream.on('error', fail);
  return stream;
}
