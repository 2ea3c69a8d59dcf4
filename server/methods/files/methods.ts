/**
 * The file methods of the daemon API (`fs.*`): thin handlers over a workspace's SafeRoot. Content
 * travels base64 in chunks of at most 1 MiB: a big read streams `fs.readChunk` notifications (each
 * awaited: the socket's backpressure paces the disk), a big write is an upload session. Writes are
 * atomic (temp file + rename) and take an optional `ifMatch` sha256 of the current content
 * (compare-and-swap: PreconditionFailed when it differs). A workspace without a worktree is served
 * inside its runtime through the provider's exec (`runtime-fs.ts`): the same methods and answers,
 * except that `fs.watch` polls there (a listing every 2 s) instead of following change notifications.
 */
import { createHash } from 'node:crypto';
import { ApiError, type ApiServices, type CallContext, type MethodDefinition, type MethodModule, type Principal } from '../../rpc/method.ts';
import { actorOf, readForTrace, recorderFor, tracedContent } from '../../trace/recorder.ts';
import { noteTransferred } from './transfer-memory.ts';
import { CHUNK_BYTES, type EntryInfo, type OpenedFile } from './safe-fs.ts';
import type { RuntimeFiles } from './runtime-fs.ts';
import { UploadRegistry } from './uploads.ts';
import { checkIfMatch, withFileLock } from './file-lock.ts';
import { MAX_LIST_DEPTH, MAX_LIST_ENTRIES } from './list-limits.ts';
import { uploadMethods } from './upload-methods.ts';
import { watchFiles } from './watch.ts';
import { withWorkspaceFiles, openWorkspaceFiles, type WorkspaceParams } from './workspace-files.ts';

export { MAX_LIST_DEPTH, MAX_LIST_ENTRIES } from './list-limits.ts';

interface PathParams extends WorkspaceParams {
  path: string;
}

interface ReadParams extends PathParams {
  offset?: number;
  length?: number;
}

interface WriteOptions {
  /** sha256 (hex) the current content must have; `''`: the file must not exist. */
  ifMatch?: string;
  createParents?: boolean;
}

function decode(data: string): Buffer {
  const bytes = Buffer.from(data, 'base64');
  if (bytes.length > CHUNK_BYTES) throw new ApiError('TooLarge', `a chunk holds at most ${CHUNK_BYTES} bytes (got ${bytes.length}); use fs.writeBegin/fs.writeChunk/fs.writeCommit`);
  return bytes;
}

function nonNegative(value: number | undefined, name: string): number | undefined {
  if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) throw new ApiError('InvalidParams', `${name} must be a whole number ≥ 0`);
  return value;
}

/**
 * `fs.read`: a byte range (default: the whole file). A range that fits one chunk comes back inline
 * (`data`); a larger one as a server stream (`stream` in the result): `fs.readChunk` notifications
 * `{ stream, offset, data }`, the last with `last: true` and, for a whole file, its `sha256`; then
 * `stream.end`. Only one chunk is in memory at a time, and each waits for room in the socket.
 */
async function read(services: ApiServices, params: ReadParams, ctx: CallContext): Promise<unknown> {
  const offset = nonNegative(params.offset, 'offset') ?? 0;
  const wanted = nonNegative(params.length, 'length');
  const opened = await openWorkspaceFiles(services, params);
  if (opened.kind === 'runtime') return readInRuntime(opened.files, params.path, offset, wanted, ctx);
  const root = opened.root;
  let file: OpenedFile;
  try {
    file = root.openForRead(params.path);
  } finally {
    root.close();
  }
  const length = Math.max(0, Math.min(wanted ?? Infinity, file.size - offset));
  const whole = offset === 0 && length === file.size;
  const base = { size: file.size, offset, length };
  if (length <= CHUNK_BYTES) {
    // Small: read synchronously (a 4 KiB read costs microseconds; a thread-pool round trip more).
    try {
      const buffer = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const bytesRead = file.readSync(buffer, got, length - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      const bytes = buffer.subarray(0, got);
      return { ...base, length: got, data: bytes.toString('base64'), ...(whole && got === length ? { sha256: createHash('sha256').update(bytes).digest('hex') } : {}) };
    } finally {
      file.close();
    }
  }
  const stream = ctx.connection.streams.open(async ({ id, signal }) => {
    try {
      const hash = whole ? createHash('sha256') : undefined;
      const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
      let sent = 0;
      while (sent < length) {
        if (signal.aborted) throw new ApiError('Cancelled', 'the read was cancelled');
        const bytesRead = await file.read(buffer, 0, Math.min(CHUNK_BYTES, length - sent), offset + sent);
        if (bytesRead === 0) break;
        const bytes = buffer.subarray(0, bytesRead);
        hash?.update(bytes);
        const last = sent + bytesRead >= length;
        await ctx.notify('fs.readChunk', { stream: id, offset: offset + sent, data: bytes.toString('base64'), ...(last ? { last: true, ...(hash !== undefined ? { sha256: hash.digest('hex') } : {}) } : {}) });
        sent += bytesRead;
        noteTransferred(bytesRead);
      }
      if (sent < length) throw new ApiError('Conflict', `${JSON.stringify(params.path)} shrank while it was read (${sent} of ${length} bytes)`);
    } finally {
      file.close();
    }
  });
  return { ...base, stream: stream.id, chunkBytes: CHUNK_BYTES };
}

/**
 * `fs.read` of a file inside the runtime: one exec reads the first chunk (and learns the size);
 * when more is wanted, a stream sends that chunk and a second exec streams the rest, each chunk
 * awaiting room in the socket (the exec's pipe pauses meanwhile).
 */
async function readInRuntime(files: RuntimeFiles, path: string, offset: number, wanted: number | undefined, ctx: CallContext): Promise<unknown> {
  let first = Buffer.alloc(0);
  const firstLength = Math.min(wanted ?? Infinity, CHUNK_BYTES);
  const { size } = await files.read(path, offset, firstLength, (bytes) => {
    first = Buffer.concat([first, bytes]);
    return Promise.resolve();
  });
  const length = Math.max(0, Math.min(wanted ?? Infinity, size - offset));
  const whole = offset === 0 && length === size;
  const base = { size, offset, length };
  if (length <= CHUNK_BYTES) {
    const bytes = first.subarray(0, length);
    return { ...base, length: bytes.length, data: bytes.toString('base64'), ...(whole && bytes.length === length ? { sha256: createHash('sha256').update(bytes).digest('hex') } : {}) };
  }
  const stream = ctx.connection.streams.open(async ({ id, signal }) => {
    const hash = whole ? createHash('sha256') : undefined;
    let sent = 0;
    const send = async (bytes: Buffer): Promise<void> => {
      if (signal.aborted) throw new ApiError('Cancelled', 'the read was cancelled');
      const piece = bytes.subarray(0, length - sent);
      if (piece.length === 0) return;
      // Accounted before the notify's await: the reader may hand over the next bytes meanwhile,
      // which must not see this piece as unsent (nor take the last piece's digest a second time).
      hash?.update(piece);
      const at = sent;
      sent += piece.length;
      const last = sent >= length;
      await ctx.notify('fs.readChunk', { stream: id, offset: offset + at, data: piece.toString('base64'), ...(last ? { last: true, ...(hash !== undefined ? { sha256: hash.digest('hex') } : {}) } : {}) });
      noteTransferred(piece.length);
    };
    await send(first);
    if (first.length === firstLength && sent < length) await files.read(path, offset + sent, length - sent, send, signal);
    if (sent < length) throw new ApiError('Conflict', `${JSON.stringify(path)} shrank while it was read (${sent} of ${length} bytes)`);
  });
  return { ...base, stream: stream.id, chunkBytes: CHUNK_BYTES };
}

/**
 * `fs.write`: replaces (or creates) a file with one chunk of content, atomically. With a token
 * that carries a contributor, the lines it changed in a worktree are recorded as an Agent Trace
 * record.
 */
async function write(services: ApiServices, params: PathParams & WriteOptions & { data: string }, principal: Principal): Promise<{ size: number; sha256: string }> {
  const bytes = decode(params.data);
  const actor = actorOf(principal, params);
  return withWorkspaceFiles(
    services,
    params,
    (root) =>
    withFileLock(`${root.realRoot}\0${params.path}`, async () => {
      await checkIfMatch(root, params.path, params.ifMatch);
      const temp = root.createTemp(params.path, params.createParents === true);
      try {
        await temp.append(bytes);
      } catch (err) {
        temp.abort();
        throw err;
      }
      const before = actor === undefined ? undefined : readForTrace(root, params.path);
      const sha256 = temp.commit();
      if (actor !== undefined) recorderFor(services).write(root, actor, params.path, tracedContent(before), tracedContent(bytes));
      return { size: bytes.length, sha256 };
    }),
    (files) =>
      withFileLock(`${files.lockKey}\0${params.path}`, async () => {
        const upload = files.begin(params.path, params.createParents === true);
        try {
          await upload.append(bytes);
        } catch (err) {
          await upload.abort();
          throw err;
        }
        return { size: bytes.length, sha256: await upload.commit(params.ifMatch) };
      }),
  );
}

/** `fs.stat`, `fs.list`, `fs.read` and `fs.write`. */
function readWriteMethods(services: ApiServices): MethodDefinition[] {
  return [
    {
      name: 'fs.stat',
      scope: 'fs:read',
      workspaceParam: 'workspace',
      handler: (params: PathParams & { hash?: boolean }) =>
        withWorkspaceFiles(
          services,
          params,
          async (root): Promise<EntryInfo & { sha256?: string }> => {
            const info: EntryInfo & { sha256?: string } = root.stat(params.path);
            if (params.hash === true && info.type === 'file') {
              const sha256 = await root.hashOf(params.path);
              if (sha256 !== undefined) info.sha256 = sha256;
            }
            return info;
          },
          (files) => files.stat(params.path, params.hash === true),
        ),
    },
    {
      name: 'fs.list',
      scope: 'fs:read',
      workspaceParam: 'workspace',
      handler: (params: WorkspaceParams & { path?: string; depth?: number; limit?: number }) => {
        const depth = Math.min(nonNegative(params.depth, 'depth') ?? 1, MAX_LIST_DEPTH);
        const limit = Math.min(nonNegative(params.limit, 'limit') ?? 10_000, MAX_LIST_ENTRIES);
        return withWorkspaceFiles(
          services,
          params,
          (root) => root.list(params.path ?? '', Math.max(depth, 1), limit),
          (files) => files.list(params.path ?? '', Math.max(depth, 1), limit),
        );
      },
    },
    { name: 'fs.read', scope: 'fs:read', workspaceParam: 'workspace', handler: (params: ReadParams, ctx) => read(services, params, ctx) },
    { name: 'fs.write', scope: 'fs:write', workspaceParam: 'workspace', handler: (params: PathParams & WriteOptions & { data: string }, ctx) => write(services, params, ctx.principal) },
  ];
}

/** `fs.mkdir`, `fs.remove` and `fs.rename`. */
function changeMethods(services: ApiServices): MethodDefinition[] {
  return [
    {
      name: 'fs.mkdir',
      scope: 'fs:write',
      workspaceParam: 'workspace',
      handler: (params: PathParams & { parents?: boolean }) =>
        withWorkspaceFiles(
          services,
          params,
          (root) => (root.mkdir(params.path, params.parents === true), {}),
          async (files) => (await files.mkdir(params.path, params.parents === true), {}),
        ),
    },
    {
      name: 'fs.remove',
      scope: 'fs:write',
      workspaceParam: 'workspace',
      handler: (params: PathParams & { recursive?: boolean }, ctx) =>
        withWorkspaceFiles(
          services,
          params,
          (root) =>
            withFileLock(`${root.realRoot}\0${params.path}`, async () => {
              root.remove(params.path, params.recursive === true);
              const actor = actorOf(ctx.principal, params);
              if (actor !== undefined) recorderFor(services).remove(root, actor, params.path);
              return {};
            }),
          (files) => withFileLock(`${files.lockKey}\0${params.path}`, async () => (await files.remove(params.path, params.recursive === true), {})),
        ),
    },
    {
      name: 'fs.rename',
      scope: 'fs:write',
      workspaceParam: 'workspace',
      handler: (params: WorkspaceParams & { from: string; to: string; overwrite?: boolean }, ctx) =>
        withWorkspaceFiles(
          services,
          params,
          (root) =>
            withFileLock(`${root.realRoot}\0${params.to}`, async () => {
              root.rename(params.from, params.to, params.overwrite === true);
              const actor = actorOf(ctx.principal, params);
              if (actor !== undefined) recorderFor(services).rename(root, actor, params.from, params.to);
              return {};
            }),
          (files) => withFileLock(`${files.lockKey}\0${params.to}`, async () => (await files.rename(params.from, params.to, params.overwrite === true), {})),
        ),
    },
  ];
}

/** The file methods, with their upload sessions. */
export const filesMethods: MethodModule = (services) => [
  ...readWriteMethods(services),
  ...uploadMethods(services, new UploadRegistry()),
  ...changeMethods(services),
  {
    name: 'fs.watch',
    scope: 'fs:read',
    workspaceParam: 'workspace',
    handler: (params: WorkspaceParams & { path?: string }, ctx) => watchFiles(services, params, ctx),
  },
];
