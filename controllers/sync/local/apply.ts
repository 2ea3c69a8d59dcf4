/**
 * Applies checked operations to a local directory. Every operation first re-checks that the path
 * still holds the expected entry (digest verified through the digest cache or by re-hashing):
 * - writes stream into a temporary file beside the target while hashing, are discarded when the
 *   digest differs (the source changed during transfer), and are renamed into place (or hard-linked
 *   when the target must not exist, so a file created meanwhile is never replaced);
 * - removals first rename the file aside, verify what was moved, and put it back if it is not the
 *   expected content;
 * - directories are removed only when empty;
 * - no parent of a target is ever a symlink: every component of the parent chain below the root
 *   is checked with lstat (`controllers/fs/no-follow.ts`) before the first and right before the
 *   last step of every operation, and a path that is not a safe relative path is refused outright.
 * Independent writes run concurrently; every other operation waits for them (a barrier).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { constants } from 'node:fs';
import { link, lstat, mkdir, open, readlink, rename, rmdir, symlink, unlink, type FileHandle } from 'node:fs/promises';
import {
  isSameOrBelow,
  SYNC_TEMP_PREFIX,
  type Entry,
  type FileContent,
  type FileEntry,
  type Operation,
  type OperationResult,
  type SymlinkEntry,
  type WriteOperation,
} from '../endpoint.ts';
import { parentIssue } from '../../fs/no-follow.ts';
import { checkRelativePath, quotePath } from '../../fs/relative-path.ts';
import { RACY_WINDOW_MS, type DigestCache } from './digest-cache.ts';
import { CHUNK_SIZE, hashFile, isExecutableMode, READ_FLAGS, sameFileState, withExecutable } from './hash.ts';
import { createLimiter } from './limiter.ts';

/** Mode of new files (before the executable bit is applied). */
const DEFAULT_FILE_MODE = 0o644;

/** Contents up to this size are buffered so the next write can start while this one commits. */
const BUFFER_LIMIT = 1024 * 1024;

/** Concurrent writes. */
const WRITE_CONCURRENCY = 8;

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
type Verdict = { matches: true; stats: Stats | undefined } | { matches: false; message: string };

/** A temporary name beside `absolute`. */
function tempNameBeside(absolute: string, suffix: string): string {
  const slash = absolute.lastIndexOf('/');
  return `${absolute.slice(0, slash + 1)}${SYNC_TEMP_PREFIX}${randomBytes(6).toString('hex')}.${suffix}`;
}

/** Refuses an operation when a parent of `path` is a symlink, not a directory, or missing (lstat). */
function unsafeParent(ctx: ApplyContext, path: string): OperationResult | undefined {
  const issue = parentIssue(ctx.root, path);
  return issue === undefined ? undefined : { status: 'changed', message: issue.message };
}

/** Refuses an operation whose path (or copy source) is not a safe relative path. */
function unsafePath(op: Operation): OperationResult | undefined {
  const paths = op.op === 'write' && typeof op.source === 'object' ? [op.path, op.source.copyFrom] : [op.path];
  for (const path of paths) {
    const issue = checkRelativePath(path, { allowRoot: op.op === 'mkdir' && path === op.path });
    if (issue !== undefined) return { status: 'failed', message: `refused unsafe path ${quotePath(path)}: ${issue.detail}` };
  }
  return undefined;
}

function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

/** Applies `ops` in order (see the module comment); one result per operation. */
export async function applyLocal(ctx: ApplyContext, ops: readonly Operation[], contents: AsyncIterable<FileContent>): Promise<OperationResult[]> {
  const results: OperationResult[] = new Array<OperationResult>(ops.length);
  const iterator = contents[Symbol.asyncIterator]();
  const limiter = createLimiter(WRITE_CONCURRENCY);
  let inFlight: Promise<void>[] = [];
  const barrier = async (): Promise<void> => {
    await Promise.all(inFlight);
    inFlight = [];
  };
  const failedDirs: string[] = [];
  const underFailedDir = (path: string): boolean => failedDirs.some((dir) => isSameOrBelow(path, dir) && path !== dir);

  try {
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i] as Operation;
      if (op.op === 'write') {
        let item: FileContent | undefined;
        if (op.source === 'stream') {
          const next = await iterator.next();
          if (next.done === true) throw new Error(`apply: no content supplied for ${op.path}`);
          item = next.value;
        }
        const refused = unsafePath(op);
        if (refused !== undefined || underFailedDir(op.path)) {
          if (item?.data) await drain(item.data);
          results[i] = refused ?? { status: 'changed', message: 'parent directory could not be created' };
          continue;
        }
        const index = i;
        if (item === undefined || item.data === null || op.size > BUFFER_LIMIT) {
          // Streamed (or copied) inline: the content iterator must not advance until it is consumed.
          results[index] = await writeFile(ctx, op, item === undefined ? undefined : item.data);
          continue;
        }
        const chunks = await collect(item.data);
        inFlight.push(limiter.run(async () => {
          results[index] = await writeFile(ctx, op, chunks);
        }));
        continue;
      }
      await barrier();
      const refused = unsafePath(op);
      if (refused !== undefined) {
        results[i] = refused;
        if (op.op === 'mkdir') failedDirs.push(op.path);
        continue;
      }
      if (underFailedDir(op.path)) {
        results[i] = { status: 'changed', message: 'parent directory could not be created' };
        continue;
      }
      const result = await applyOne(ctx, op);
      results[i] = result;
      if (op.op === 'mkdir' && result.status !== 'ok') failedDirs.push(op.path);
    }
    await barrier();
  } finally {
    await Promise.allSettled(inFlight);
    // Let the content source release what it holds (an open file behind the last item).
    await iterator.return?.().catch(() => undefined);
  }
  return results;
}

async function applyOne(ctx: ApplyContext, op: Exclude<Operation, WriteOperation>): Promise<OperationResult> {
  try {
    switch (op.op) {
      case 'mkdir':
        return await makeDirectory(ctx, op.path);
      case 'remove':
        return await removeEntry(ctx, op.path, op.expected);
      case 'symlink':
        return await makeSymlink(ctx, op.path, op.target, op.expected);
      case 'chmod':
        return await changeMode(ctx, op.path, op.executable, op.expected);
    }
  } catch (err) {
    return { status: 'failed', message: (err as Error).message };
  }
}

async function makeDirectory(ctx: ApplyContext, path: string): Promise<OperationResult> {
  const absolute = ctx.absolute(path);
  const refused = path === '' ? undefined : unsafeParent(ctx, path);
  if (refused !== undefined) return refused;
  try {
    await mkdir(absolute, path === '' ? { recursive: true } : undefined);
  } catch (err) {
    const code = errorCode(err);
    if (code === 'EEXIST') {
      const stats = await lstat(absolute);
      if (stats.isDirectory()) return { status: 'ok', entry: { kind: 'directory' } };
      return { status: 'changed', message: 'something that is not a directory appeared at the path' };
    }
    if (code === 'ENOENT' || code === 'ENOTDIR') return { status: 'changed', message: 'parent directory is missing' };
    throw err;
  }
  ctx.touched(path);
  return { status: 'ok', entry: { kind: 'directory' } };
}

/** Checks that `path` holds `expected` (undefined = nothing), hashing when the cache cannot tell. */
async function verify(ctx: ApplyContext, path: string, expected: Entry | undefined, absoluteOverride?: string): Promise<Verdict> {
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

/** Writes a file from streamed/buffered bytes (`Uint8Array[]`), a stream, or a local copy. */
async function writeFile(
  ctx: ApplyContext,
  op: WriteOperation,
  data: AsyncIterable<Uint8Array> | Uint8Array[] | null | undefined,
): Promise<OperationResult> {
  const absolute = ctx.absolute(op.path);
  const temp = tempNameBeside(absolute, 'tmp');
  let handle: FileHandle | undefined;
  let copySource: FileHandle | undefined;
  let committed = false;
  try {
    if (data === null) return { status: 'source-changed', message: 'the source file could not be read' };
    const refused = unsafeParent(ctx, op.path);
    if (refused !== undefined) {
      if (data !== undefined && !Array.isArray(data)) await drain(data);
      return refused;
    }
    try {
      handle = await open(temp, 'wx', op.expected === undefined ? withExecutable(DEFAULT_FILE_MODE, op.executable) : 0o600);
    } catch (err) {
      if (data !== undefined && !Array.isArray(data)) await drain(data);
      const code = errorCode(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') return { status: 'changed', message: 'parent directory is missing' };
      throw err;
    }
    let source: AsyncIterable<Uint8Array> | Uint8Array[];
    if (data === undefined) {
      if (op.source === 'stream') return { status: 'failed', message: 'no content supplied' };
      const sourceRefused = unsafeParent(ctx, op.source.copyFrom);
      if (sourceRefused !== undefined) return { status: 'source-changed', message: `local copy source: ${sourceRefused.status === 'changed' ? sourceRefused.message : 'refused'}` };
      try {
        copySource = await open(ctx.absolute(op.source.copyFrom), READ_FLAGS);
      } catch {
        return { status: 'source-changed', message: `local copy source ${op.source.copyFrom} vanished` };
      }
      source = readChunks(copySource);
    } else {
      source = data;
    }
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of source) {
      hash.update(chunk);
      size += chunk.byteLength;
      await handle.write(chunk);
    }
    if (size !== op.size || hash.digest('hex') !== op.digest) {
      return { status: 'source-changed', message: 'the content changed during transfer' };
    }
    if (op.expected === undefined) {
      // New file: created with its final mode (subject to the umask, like any new file); the hard
      // link fails if anything appeared at the path meanwhile, so nothing is ever replaced.
      await handle.close();
      handle = undefined;
      const late = unsafeParent(ctx, op.path);
      if (late !== undefined) return late;
      if (!(await linkNoReplace(temp, absolute))) return { status: 'changed', message: 'something appeared at the path' };
    } else {
      const verdict = await verify(ctx, op.path, op.expected);
      if (!verdict.matches) return { status: 'changed', message: verdict.message };
      const baseMode = verdict.stats?.isFile() === true ? verdict.stats.mode : DEFAULT_FILE_MODE;
      await handle.chmod(withExecutable(baseMode, op.executable));
      await handle.close();
      handle = undefined;
      // Last cheap re-check right before the rename (the window Mutagen documents as well).
      if (verdict.stats !== undefined && !(await unchangedSince(absolute, verdict.stats))) {
        return { status: 'changed', message: 'the target changed while the new content was prepared' };
      }
      const late = unsafeParent(ctx, op.path);
      if (late !== undefined) return late;
      await rename(temp, absolute);
      ctx.cache.delete(op.path);
    }
    committed = true;
    ctx.touched(op.path);
    return { status: 'ok', entry: { kind: 'file', digest: op.digest, size: op.size, executable: op.executable } };
  } catch (err) {
    return { status: 'failed', message: (err as Error).message };
  } finally {
    await handle?.close().catch(() => undefined);
    await copySource?.close().catch(() => undefined);
    if (!committed || op.expected === undefined) await unlink(temp).catch(() => undefined);
  }
}

/** Links `temp` at `target` only if nothing exists there; false when something does. */
async function linkNoReplace(temp: string, target: string): Promise<boolean> {
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

async function unchangedSince(absolute: string, before: Stats): Promise<boolean> {
  try {
    const now = await lstat(absolute);
    return sameFileState(now, before) && now.mode === before.mode;
  } catch {
    return false;
  }
}

async function makeSymlink(ctx: ApplyContext, path: string, target: string, expected: FileEntry | SymlinkEntry | undefined): Promise<OperationResult> {
  const absolute = ctx.absolute(path);
  const refused = unsafeParent(ctx, path);
  if (refused !== undefined) return refused;
  if (expected === undefined) {
    try {
      await symlink(target, absolute);
    } catch (err) {
      const code = errorCode(err);
      if (code === 'EEXIST') return { status: 'changed', message: 'something appeared at the path' };
      if (code === 'ENOENT' || code === 'ENOTDIR') return { status: 'changed', message: 'parent directory is missing' };
      throw err;
    }
  } else {
    const temp = tempNameBeside(absolute, 'lnk');
    try {
      await symlink(target, temp);
      const verdict = await verify(ctx, path, expected);
      if (!verdict.matches) return { status: 'changed', message: verdict.message };
      const late = unsafeParent(ctx, path);
      if (late !== undefined) return late;
      await rename(temp, absolute);
    } finally {
      await unlink(temp).catch(() => undefined);
    }
  }
  ctx.touched(path);
  ctx.cache.delete(path);
  return { status: 'ok', entry: { kind: 'symlink', target } };
}

async function changeMode(ctx: ApplyContext, path: string, executable: boolean, expected: FileEntry): Promise<OperationResult> {
  const refused = unsafeParent(ctx, path);
  if (refused !== undefined) return refused;
  const verdict = await verify(ctx, path, expected);
  if (!verdict.matches) return { status: 'changed', message: verdict.message };
  const absolute = ctx.absolute(path);
  // Through a descriptor opened without following a link: chmod(2) would follow one put there meanwhile.
  let handle: FileHandle;
  try {
    handle = await open(absolute, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = errorCode(err);
    if (code === 'ELOOP' || code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENXIO') return { status: 'changed', message: 'no longer a regular file' };
    throw err;
  }
  try {
    const now = await handle.stat();
    if (!now.isFile() || now.ino !== (verdict.stats as Stats).ino) return { status: 'changed', message: 'no longer the same file' };
    await handle.chmod(withExecutable((verdict.stats as Stats).mode, executable));
  } finally {
    await handle.close();
  }
  ctx.touched(path);
  return { status: 'ok', entry: { kind: 'file', digest: expected.digest, size: expected.size, executable } };
}

async function removeEntry(ctx: ApplyContext, path: string, expected: Entry): Promise<OperationResult> {
  const absolute = ctx.absolute(path);
  const refused = unsafeParent(ctx, path);
  if (refused !== undefined) return refused;
  if (expected.kind === 'directory') {
    const verdict = await verify(ctx, path, expected);
    if (!verdict.matches) return { status: 'changed', message: verdict.message };
    const late = unsafeParent(ctx, path);
    if (late !== undefined) return late;
    try {
      await rmdir(absolute);
    } catch (err) {
      const code = errorCode(err);
      if (code === 'ENOTEMPTY' || code === 'EEXIST') return { status: 'changed', message: 'the directory holds content the engine did not expect' };
      if (code === 'ENOENT' || code === 'ENOTDIR') return { status: 'changed', message: 'no longer a directory' };
      throw err;
    }
    ctx.touched(path);
    return { status: 'ok' };
  }
  // Check via the cache first (cheap), then move the entry aside so nobody can write to it through
  // its name, verify what was moved, and only then delete it.
  const first = await verify(ctx, path, expected);
  if (!first.matches) return { status: 'changed', message: first.message };
  const aside = tempNameBeside(absolute, 'del');
  const late = unsafeParent(ctx, path);
  if (late !== undefined) return late;
  try {
    await rename(absolute, aside);
  } catch (err) {
    const code = errorCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return { status: 'changed', message: 'the path no longer exists' };
    throw err;
  }
  const shortcut = first.stats !== undefined && Date.now() - first.stats.mtimeMs > RACY_WINDOW_MS && (await unchangedInode(aside, first.stats));
  const moved = shortcut ? { matches: true as const, stats: undefined } : await verify(ctx, path, expected, aside);
  if (!moved.matches) {
    if (await linkNoReplace(aside, absolute)) {
      await unlink(aside).catch(() => undefined);
      return { status: 'changed', message: moved.message };
    }
    // Something new appeared at the path meanwhile: keep the moved content visible beside it.
    const keep = `${absolute}.boulder-conflict-${Date.now()}`;
    await rename(aside, keep);
    return { status: 'changed', message: `${moved.message}; the previous content was kept as ${keep.slice(keep.lastIndexOf('/') + 1)}` };
  }
  await unlink(aside);
  ctx.touched(path);
  ctx.cache.delete(path);
  return { status: 'ok' };
}

/** True when the moved file still has the state seen before the move (rename only bumps ctime). */
async function unchangedInode(aside: string, before: Stats): Promise<boolean> {
  try {
    const now = await lstat(aside);
    return now.ino === before.ino && now.size === before.size && now.mtimeMs === before.mtimeMs && now.mode === before.mode;
  } catch {
    return false;
  }
}

async function* readChunks(handle: FileHandle): AsyncIterable<Uint8Array> {
  for (;;) {
    const buffer = Buffer.allocUnsafe(CHUNK_SIZE);
    const { bytesRead } = await handle.read(buffer, 0, CHUNK_SIZE, null);
    if (bytesRead === 0) return;
    yield buffer.subarray(0, bytesRead);
  }
}

async function collect(data: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of data) chunks.push(chunk);
  return chunks;
}

/** Consumes and discards a content stream. */
export async function drain(data: AsyncIterable<Uint8Array>): Promise<void> {
  for await (const _chunk of data) {
    // discard
  }
}
