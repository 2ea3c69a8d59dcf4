/**
 * A workspace's files through the daemon API: `client.workspace('api').fs.readFile('src/app.ts')`.
 * Content moves in chunks of at most 1 MiB (big reads arrive as a stream, big writes go as an
 * upload session), so neither side holds more than a chunk per call in flight. Every method takes
 * an AbortSignal.
 */
import { bytesOf, cancelled, fromBase64, NotificationQueue, streamEndError, toBase64, type StreamCaller } from './stream-caller.ts';

/** Largest chunk one message carries (decoded bytes). */
export const CHUNK_BYTES = 1024 * 1024;

/** Options every call takes. */
export interface CallOptions {
  signal?: AbortSignal;
}

/** One entry of a workspace's files. */
export interface FileEntry {
  path: string;
  type: 'file' | 'directory' | 'symlink' | 'other';
  size: number;
  mode: number;
  mtime: string;
  /** A symlink's target (data: never followed). */
  target?: string;
  sha256?: string;
}

/** A file's content with what identifies it for a compare-and-swap write. */
export interface FileContent {
  data: Uint8Array;
  size: number;
  /** sha256 of the whole file (when the read covered it): pass as `ifMatch`. */
  sha256?: string;
}

/** What a write produced. */
export interface WriteResult {
  size: number;
  sha256: string;
}

/** Options of `writeFile`. */
export interface WriteOptions extends CallOptions {
  /** sha256 the current content must have ('' : the file must not exist); else PreconditionFailed. */
  ifMatch?: string;
  createParents?: boolean;
}

/** A change under a watched directory. */
export type FsEvent = { kind: 'ready' } | { kind: 'rescan' } | { kind: 'change'; path: string; type: FileEntry['type'] | 'removed' };

interface ReadResult {
  size: number;
  offset: number;
  length: number;
  data?: string;
  sha256?: string;
  stream?: string;
}

/** The file operations of one workspace. */
export class WorkspaceFs {
  private readonly caller: StreamCaller;
  private readonly target: { workspace: string; namespace?: string };

  constructor(caller: StreamCaller, workspace: string, namespace?: string) {
    this.caller = caller;
    this.target = namespace === undefined ? { workspace } : { workspace, namespace };
  }

  /** Describes `path` ('' : the workspace folder); `hash` adds a file's sha256. */
  stat(path: string, options: CallOptions & { hash?: boolean } = {}): Promise<FileEntry> {
    return this.caller.call('fs.stat', { ...this.target, path, ...(options.hash === true ? { hash: true } : {}) }, options);
  }

  /** Lists directory `path`, `depth` levels deep (default 1). */
  list(path = '', options: CallOptions & { depth?: number; limit?: number } = {}): Promise<{ entries: FileEntry[]; truncated: boolean }> {
    return this.caller.call('fs.list', { ...this.target, path, ...(options.depth !== undefined ? { depth: options.depth } : {}), ...(options.limit !== undefined ? { limit: options.limit } : {}) }, options);
  }

  /** The content of `path` (or a range); `encoding: 'utf8'` returns a string. */
  readFile(path: string, options: CallOptions & { encoding: 'utf8'; offset?: number; length?: number }): Promise<string>;
  readFile(path: string, options?: CallOptions & { encoding?: undefined; offset?: number; length?: number }): Promise<Uint8Array>;
  async readFile(path: string, options: CallOptions & { encoding?: 'utf8'; offset?: number; length?: number } = {}): Promise<Uint8Array | string> {
    const { data } = await this.read(path, options);
    return options.encoding === 'utf8' ? new TextDecoder().decode(data) : data;
  }

  /** Content, size and sha256 of `path` (whole, or `offset`/`length`). */
  async read(path: string, options: CallOptions & { offset?: number; length?: number } = {}): Promise<FileContent> {
    const parts: Uint8Array[] = [];
    let total = 0;
    let head: ReadResult | undefined;
    for await (const chunk of this.chunks(path, options, (result) => (head = result))) {
      parts.push(chunk.data);
      total += chunk.data.length;
      if (chunk.sha256 !== undefined && head !== undefined) head.sha256 = chunk.sha256;
    }
    const data = parts.length === 1 ? (parts[0] as Uint8Array) : concat(parts, total);
    const result: FileContent = { data, size: head?.size ?? total };
    if (head?.sha256 !== undefined) result.sha256 = head.sha256;
    return result;
  }

  /** The content of `path` chunk by chunk (≤ 1 MiB each), as it arrives; for files of any size. */
  async *readChunks(path: string, options: CallOptions & { offset?: number; length?: number } = {}): AsyncIterable<Uint8Array> {
    for await (const chunk of this.chunks(path, options)) yield chunk.data;
  }

  private async *chunks(path: string, options: CallOptions & { offset?: number; length?: number }, onHead?: (result: ReadResult) => void): AsyncIterable<{ data: Uint8Array; sha256?: string }> {
    const params: Record<string, unknown> = { ...this.target, path };
    if (options.offset !== undefined) params.offset = options.offset;
    if (options.length !== undefined) params.length = options.length;
    const result = await this.caller.call<ReadResult>('fs.read', params, options);
    onHead?.(result);
    if (result.stream === undefined) {
      yield { data: fromBase64(result.data ?? ''), ...(result.sha256 !== undefined ? { sha256: result.sha256 } : {}) };
      return;
    }
    for await (const note of this.follow(result.stream, options.signal)) {
      if (note.method !== 'fs.readChunk') continue;
      const sha256 = note.params.sha256 as string | undefined;
      yield { data: fromBase64(note.params.data as string), ...(sha256 !== undefined ? { sha256 } : {}) };
    }
  }

  /**
   * Writes `data` to `path` atomically. A string or bytes up to 1 MiB is one call; more (or an
   * async iterable of chunks, e.g. a file stream) goes as an upload session, one chunk in flight.
   */
  async writeFile(path: string, data: string | Uint8Array | AsyncIterable<Uint8Array>, options: WriteOptions = {}): Promise<WriteResult> {
    const extra: Record<string, unknown> = {};
    if (options.ifMatch !== undefined) extra.ifMatch = options.ifMatch;
    if (options.createParents === true) extra.createParents = true;
    if (typeof data === 'string' || data instanceof Uint8Array) {
      const bytes = bytesOf(data);
      if (bytes.length <= CHUNK_BYTES) return this.caller.call('fs.write', { ...this.target, path, data: toBase64(bytes), ...extra }, options);
      return this.upload(path, slices(bytes), extra, options.signal);
    }
    return this.upload(path, rechunk(data), extra, options.signal);
  }

  private async upload(path: string, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, extra: Record<string, unknown>, signal: AbortSignal | undefined): Promise<WriteResult> {
    const { upload } = await this.caller.call<{ upload: string }>('fs.writeBegin', { ...this.target, path, ...extra }, { ...(signal !== undefined ? { signal } : {}) });
    let offset = 0;
    try {
      for await (const chunk of chunks) {
        if (signal?.aborted === true) throw cancelled('the upload');
        await this.caller.call('fs.writeChunk', { upload, offset, data: toBase64(chunk) }, { ...(signal !== undefined ? { signal } : {}) });
        offset += chunk.length;
      }
      return await this.caller.call<WriteResult>('fs.writeCommit', { upload }, { ...(signal !== undefined ? { signal } : {}) });
    } catch (err) {
      await this.caller.call('fs.writeAbort', { upload }).catch(() => undefined);
      throw err;
    }
  }

  /** Makes directory `path` (`parents`: mkdir -p). */
  async mkdir(path: string, options: CallOptions & { parents?: boolean } = {}): Promise<void> {
    await this.caller.call('fs.mkdir', { ...this.target, path, ...(options.parents === true ? { parents: true } : {}) }, options);
  }

  /** Removes `path` (a directory needs `recursive` unless empty). */
  async remove(path: string, options: CallOptions & { recursive?: boolean } = {}): Promise<void> {
    await this.caller.call('fs.remove', { ...this.target, path, ...(options.recursive === true ? { recursive: true } : {}) }, options);
  }

  /** Renames `from` to `to` (`overwrite` replaces an existing `to`). */
  async rename(from: string, to: string, options: CallOptions & { overwrite?: boolean } = {}): Promise<void> {
    await this.caller.call('fs.rename', { ...this.target, from, to, ...(options.overwrite === true ? { overwrite: true } : {}) }, options);
  }

  /** Changes at or below directory `path`, until the signal aborts or the loop breaks. */
  async *watch(path = '', options: CallOptions = {}): AsyncIterable<FsEvent> {
    const { stream } = await this.caller.call<{ stream: string }>('fs.watch', { ...this.target, path }, options);
    for await (const note of this.follow(stream, options.signal)) {
      if (note.method !== 'fs.event') continue;
      const { stream: _id, ...event } = note.params;
      yield event as unknown as FsEvent;
    }
  }

  /** The notifications of `stream` until its `stream.end` (throws its error); cancels it when left early. */
  private async *follow(stream: string, signal: AbortSignal | undefined): AsyncIterable<{ method: string; params: Record<string, unknown> }> {
    yield* followStream(this.caller, stream, signal);
  }
}

/**
 * The notifications of server stream `stream`, in order, until `stream.end` (whose error is
 * thrown); stopping early (break, or `signal`) cancels the stream on the server.
 */
export async function* followStream(caller: StreamCaller, stream: string, signal: AbortSignal | undefined): AsyncIterable<{ method: string; params: Record<string, unknown> }> {
  const queue = new NotificationQueue();
  const unsubscribe = caller.subscribe(stream, (note) => queue.push(note));
  const onAbort = (): void => queue.close();
  signal?.addEventListener('abort', onAbort, { once: true });
  let ended = false;
  const aborted = (): boolean => signal?.aborted === true;
  try {
    for (;;) {
      if (aborted()) throw cancelled('the stream');
      const note = await queue.next();
      if (note === undefined) {
        if (aborted()) throw cancelled('the stream');
        return;
      }
      if (note.method === 'stream.end') {
        ended = true;
        if (note.params.error !== undefined) throw streamEndError(note.params.error);
        return;
      }
      yield note;
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    unsubscribe();
    if (!ended) await caller.call('streams.cancel', { stream }).catch(() => undefined);
  }
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function* slices(bytes: Uint8Array): Iterable<Uint8Array> {
  for (let at = 0; at < bytes.length; at += CHUNK_BYTES) yield bytes.subarray(at, at + CHUNK_BYTES);
}

/** Regroups an iterable of byte chunks into chunks of exactly CHUNK_BYTES (the last shorter). */
async function* rechunk(source: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  let pending = new Uint8Array(CHUNK_BYTES);
  let filled = 0;
  for await (const piece of source) {
    let at = 0;
    while (at < piece.length) {
      const take = Math.min(CHUNK_BYTES - filled, piece.length - at);
      pending.set(piece.subarray(at, at + take), filled);
      filled += take;
      at += take;
      if (filled === CHUNK_BYTES) {
        yield pending;
        pending = new Uint8Array(CHUNK_BYTES);
        filled = 0;
      }
    }
  }
  if (filled > 0) yield pending.subarray(0, filled);
}
