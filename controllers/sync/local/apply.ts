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
import { createHash } from 'node:crypto';
import { lstat, mkdir, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import {
  isSameOrBelow,
  type FileContent,
  type Operation,
  type OperationResult,
  type WriteOperation,
} from '../endpoint.ts';
import { checkRelativePath, quotePath } from '../../fs/relative-path.ts';
import { CHUNK_SIZE, READ_FLAGS, withExecutable } from './hash.ts';
import { createLimiter } from './limiter.ts';
import { errorCode, linkNoReplace, tempNameBeside, unchangedSince, unsafeParent, verify, type ApplyContext } from './apply-checks.ts';
import { changeMode, makeSymlink, removeEntry } from './apply-ops.ts';

export type { ApplyContext } from './apply-checks.ts';

/** Mode of new files (before the executable bit is applied). */
const DEFAULT_FILE_MODE = 0o644;

/** Contents up to this size are buffered so the next write can start while this one commits. */
const BUFFER_LIMIT = 1024 * 1024;

/** Concurrent writes. */
const WRITE_CONCURRENCY = 8;

/**
 * The check before a write's temporary file is created, remembering the parent directories it
 * found plain during a run of writes (a batch of 10 000 new files in 100 directories costs 100
 * chain checks, not 10 000); forgotten before any other operation. The check right before a
 * write's final link/rename is never remembered.
 */
interface EarlyParentCheck {
  check(path: string): OperationResult | undefined;
  forget(): void;
}

function earlyParentCheck(ctx: ApplyContext): EarlyParentCheck {
  const plain = new Set<string>();
  return {
    check(path) {
      const slash = path.lastIndexOf('/');
      if (slash < 0) return undefined;
      const parent = path.slice(0, slash);
      if (plain.has(parent)) return undefined;
      const refused = unsafeParent(ctx, path);
      if (refused === undefined) plain.add(parent);
      return refused;
    },
    forget: () => plain.clear(),
  };
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

/** Applies `ops` in order (see the module comment); one result per operation. */
export async function applyLocal(ctx: ApplyContext, ops: readonly Operation[], contents: AsyncIterable<FileContent>): Promise<OperationResult[]> {
  const results: OperationResult[] = new Array<OperationResult>(ops.length);
  const iterator = contents[Symbol.asyncIterator]();
  const limiter = createLimiter(WRITE_CONCURRENCY);
  const early = earlyParentCheck(ctx);
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
          results[index] = await writeFile(ctx, early, op, item === undefined ? undefined : item.data);
          continue;
        }
        const chunks = await collect(item.data);
        inFlight.push(limiter.run(async () => {
          results[index] = await writeFile(ctx, early, op, chunks);
        }));
        continue;
      }
      await barrier();
      early.forget();
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

/** Writes a file from streamed/buffered bytes (`Uint8Array[]`), a stream, or a local copy. */
async function writeFile(
  ctx: ApplyContext,
  early: EarlyParentCheck,
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
    const refused = early.check(op.path);
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
    if (!(await writeHashed(handle, source, op))) return { status: 'source-changed', message: 'the content changed during transfer' };
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

/** Writes `source` through `handle` while hashing it; false when the bytes are not the operation's (size and digest). */
async function writeHashed(handle: FileHandle, source: AsyncIterable<Uint8Array> | Uint8Array[], op: WriteOperation): Promise<boolean> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of source) {
    hash.update(chunk);
    size += chunk.byteLength;
    await handle.write(chunk);
  }
  return size === op.size && hash.digest('hex') === op.digest;
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
