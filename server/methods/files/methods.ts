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
import { actorOf, readForTrace, recorderFor, tracedContent, type TraceActor } from '../../trace/recorder.ts';
import { watchLocalDirectory } from '../../../controllers/sync/local/watch.ts';
import { fileRootOf } from './file-root.ts';
import { noteTransferred } from './transfer-memory.ts';
import { CHUNK_BYTES, checkPath, SafeRoot, type EntryInfo, type OpenedFile, type TempFile } from './safe-fs.ts';
import { pollRuntimeFiles, type RuntimeFiles, type RuntimeUpload } from './runtime-fs.ts';
import { UploadRegistry, type Upload } from './uploads.ts';
import { readWorkspace, withWorkspaceFiles, openWorkspaceFiles, type WorkspaceParams } from './workspace-files.ts';

/** Deepest `fs.list` depth accepted. */
export const MAX_LIST_DEPTH = 32;
/** Most entries one `fs.list` returns (then `truncated`): a listing stays a few MB, one message. */
export const MAX_LIST_ENTRIES = 20_000;

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

/** Serialises writes to one file of one root inside this daemon, so compare-and-swap holds between API clients. */
const fileLocks = new Map<string, Promise<unknown>>();

async function withFileLock<T>(key: string, act: () => Promise<T>): Promise<T> {
  const previous = fileLocks.get(key) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(act);
  const tail = run.catch(() => undefined);
  fileLocks.set(key, tail);
  try {
    return await run;
  } finally {
    if (fileLocks.get(key) === tail) fileLocks.delete(key);
  }
}

/** Throws PreconditionFailed unless the current content of `path` matches `ifMatch`. */
async function checkIfMatch(root: SafeRoot, path: string, ifMatch: string | undefined): Promise<void> {
  if (ifMatch === undefined) return;
  const current = await root.hashOf(path);
  if ((current ?? '') !== ifMatch.toLowerCase()) {
    throw new ApiError('PreconditionFailed', `${JSON.stringify(path)} ${current === undefined ? 'does not exist' : 'changed'}: its content does not match ifMatch`, { path, ...(current === undefined ? {} : { sha256: current }) });
  }
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
      hash?.update(piece);
      const last = sent + piece.length >= length;
      await ctx.notify('fs.readChunk', { stream: id, offset: offset + sent, data: piece.toString('base64'), ...(last ? { last: true, ...(hash !== undefined ? { sha256: hash.digest('hex') } : {}) } : {}) });
      sent += piece.length;
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

/** The Agent Trace actor of an upload begun with a contributor token. */
const traceActors = new WeakMap<Upload, TraceActor>();

/** The file methods, with their upload sessions. */
export const filesMethods: MethodModule = (services) => {
  const uploads = new UploadRegistry();
  const methods: MethodDefinition[] = [
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
    {
      name: 'fs.writeBegin',
      scope: 'fs:write',
      workspaceParam: 'workspace',
      async handler(params: PathParams & WriteOptions, ctx) {
        const opened = await openWorkspaceFiles(services, params);
        if (opened.kind === 'runtime') {
          const { files } = opened;
          const current = params.ifMatch === undefined ? undefined : await files.hashOf(params.path);
          if (params.ifMatch !== undefined && (current ?? '') !== params.ifMatch.toLowerCase()) {
            throw new ApiError('PreconditionFailed', `${JSON.stringify(params.path)} ${current === undefined ? 'does not exist' : 'changed'}: its content does not match ifMatch`, { path: params.path, ...(current === undefined ? {} : { sha256: current }) });
          }
          const temp = files.begin(params.path, params.createParents === true);
          try {
            return { upload: uploads.add(ctx.connection, undefined, temp, params.ifMatch, files.lockKey).id, chunkBytes: CHUNK_BYTES };
          } catch (err) {
            await temp.abort();
            throw err;
          }
        }
        const root = opened.root;
        try {
          await checkIfMatch(root, params.path, params.ifMatch);
          const temp = root.createTemp(params.path, params.createParents === true);
          const upload = uploads.add(ctx.connection, root, temp, params.ifMatch, root.realRoot);
          const actor = actorOf(ctx.principal, params);
          if (actor !== undefined) traceActors.set(upload, actor);
          return { upload: upload.id, chunkBytes: CHUNK_BYTES };
        } catch (err) {
          root.close();
          throw err;
        }
      },
    },
    {
      name: 'fs.writeChunk',
      scope: 'fs:write',
      handler(params: { upload: string; offset?: number; data: string }, ctx) {
        const upload = uploads.get(ctx.connection, params.upload);
        return serially(upload, async () => {
          if (params.offset !== undefined && params.offset !== upload.temp.size) {
            throw new ApiError('Conflict', `chunk at offset ${params.offset}, but ${upload.temp.size} bytes are written: chunks go in order`);
          }
          // Decoded into the upload's own buffer: no new 1 MiB Buffer per chunk for the GC to find.
          const length = Buffer.byteLength(params.data, 'base64');
          if (length > CHUNK_BYTES) throw new ApiError('TooLarge', `a chunk holds at most ${CHUNK_BYTES} bytes (got ${length})`);
          upload.scratch ??= Buffer.allocUnsafe(CHUNK_BYTES);
          const written = upload.scratch.write(params.data, 'base64');
          await upload.temp.append(upload.scratch.subarray(0, written));
          noteTransferred(written);
          return { size: upload.temp.size };
        });
      },
    },
    {
      name: 'fs.writeCommit',
      scope: 'fs:write',
      handler(params: { upload: string; sha256?: string }, ctx) {
        const upload = uploads.get(ctx.connection, params.upload);
        return serially(upload, () =>
          withFileLock(`${upload.lockKey}\0${upload.temp.path}`, async () => {
            try {
              const size = upload.temp.size;
              let sha256: string;
              if (upload.root === undefined) {
                sha256 = await (upload.temp as RuntimeUpload).commit(upload.ifMatch);
              } else {
                await checkIfMatch(upload.root, upload.temp.path, upload.ifMatch);
                const actor = traceActors.get(upload);
                const before = actor === undefined ? undefined : readForTrace(upload.root, upload.temp.path);
                sha256 = (upload.temp as TempFile).commit();
                if (actor !== undefined) recorderFor(services).write(upload.root, actor, upload.temp.path, tracedContent(before), tracedContent(readForTrace(upload.root, upload.temp.path)));
              }
              if (params.sha256 !== undefined && params.sha256.toLowerCase() !== sha256) {
                // Committed already: report the mismatch; the content is what arrived.
                throw new ApiError('Conflict', `the content written has sha256 ${sha256}, not ${params.sha256}`, { sha256 });
              }
              return { size, sha256 };
            } finally {
              uploads.finish(upload, true);
            }
          }),
        );
      },
    },
    {
      name: 'fs.writeAbort',
      scope: 'fs:write',
      handler(params: { upload: string }, ctx) {
        const upload = uploads.get(ctx.connection, params.upload);
        return serially(upload, () => {
          uploads.finish(upload, true);
          return Promise.resolve({});
        });
      },
    },
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
    {
      name: 'fs.watch',
      scope: 'fs:read',
      workspaceParam: 'workspace',
      handler: (params: WorkspaceParams & { path?: string }, ctx) => watchFiles(services, params, ctx),
    },
  ];
  return methods;
};

/** Runs `act` after the upload's previous call (chunks of one upload never interleave). */
function serially<T>(upload: Upload, act: () => Promise<T>): Promise<T> {
  const run = upload.busy.catch(() => undefined).then(act);
  upload.busy = run.catch(() => undefined);
  return run;
}

/**
 * `fs.watch`: a server stream of `fs.event` notifications for changes at or below `path`, until
 * `streams.cancel` (or the connection closes): first `{ kind: 'ready' }`, then
 * `{ kind: 'change', path, type }` (type `removed` when the path is gone, or no longer reachable
 * without following a link) or `{ kind: 'rescan' }` when changes may have been lost.
 */
/** `fs.watch` of a workspace whose files live in its runtime: a polling watch (`pollRuntimeFiles`). */
async function watchRuntimeFiles(services: ApiServices, params: WorkspaceParams, prefix: string, ctx: CallContext): Promise<{ stream: string }> {
  const opened = await openWorkspaceFiles(services, params);
  if (opened.kind !== 'runtime') {
    opened.root.close();
    throw new ApiError('Unavailable', 'the workspace changed while the watch started; try again');
  }
  const { files } = opened;
  if (prefix !== '' && (await files.stat(prefix)).type !== 'directory') throw new ApiError('InvalidParams', `${JSON.stringify(prefix)} is not a directory`);
  const stream = ctx.connection.streams.open(({ id, signal }) =>
    pollRuntimeFiles(files, prefix, { depth: MAX_LIST_DEPTH, entries: MAX_LIST_ENTRIES }, (event) => ctx.notify('fs.event', { stream: id, ...event }), signal),
  );
  return { stream: stream.id };
}

async function watchFiles(services: ApiServices, params: WorkspaceParams & { path?: string }, ctx: CallContext): Promise<{ stream: string }> {
  const prefix = params.path ?? '';
  checkPath(prefix, true);
  const workspace = await readWorkspace(services.client, params);
  const fileRoot = fileRootOf(workspace);
  if (fileRoot.kind === 'unavailable') throw new ApiError('Unavailable', fileRoot.reason);
  if (fileRoot.kind === 'runtime') return watchRuntimeFiles(services, params, prefix, ctx);
  const root = SafeRoot.open(fileRoot.path);
  if (prefix !== '') {
    try {
      if (root.stat(prefix).type !== 'directory') throw new ApiError('InvalidParams', `${JSON.stringify(prefix)} is not a directory`);
    } catch (err) {
      root.close();
      throw err;
    }
  }
  const stream = ctx.connection.streams.open(async ({ id, signal }) => {
    let ready = false;
    try {
      // Node's recursive watch lists directories without following links.
      for await (const hint of watchLocalDirectory(root.realRoot, signal)) {
        if (hint.path === undefined) {
          await ctx.notify('fs.event', { stream: id, kind: ready ? 'rescan' : 'ready' });
          ready = true;
          continue;
        }
        if (prefix !== '' && hint.path !== prefix && !hint.path.startsWith(`${prefix}/`)) continue;
        let type: string;
        try {
          type = root.stat(hint.path).type;
        } catch (err) {
          if (!(err instanceof ApiError)) throw err;
          type = 'removed';
        }
        await ctx.notify('fs.event', { stream: id, kind: 'change', path: hint.path, type });
      }
    } finally {
      root.close();
    }
  });
  return { stream: stream.id };
}
