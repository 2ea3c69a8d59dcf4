/**
 * File operations on a workspace whose files live only inside its runtime (no worktree): each
 * operation is one `Provider.exec` of the script in `runtime-script.ts`, in the workspace folder.
 * Paths are validated here before they leave the daemon; what comes back is bounded (`MAX_*`) and
 * parsed strictly. Content moves through the exec's stdin and stdout with backpressure: a read
 * streams into the caller's sink chunk by chunk, an upload feeds a temp file beside the target (in
 * length-prefixed frames, as the Pod sync uploads) that a second exec verifies (sha256 of what was
 * sent) and renames over it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, Readable, Writable } from 'node:stream';
import type { Provider, RuntimeTarget } from '../../../controllers/providers/types.ts';
import { SYNC_TEMP_PREFIX } from '../../../controllers/sync/endpoint.ts';
import { END_FRAME, frame } from '../../../controllers/sync/kubernetes/framing.ts';
import { ApiError } from '../../rpc/method.ts';
import { CHUNK_BYTES, checkPath, type EntryInfo } from './safe-fs.ts';
import { EXIT, parseHashLine, parseStatus, parseList, parseReadHeader, parseStat, RUNTIME_FS_SCRIPT, splitPath, UntrustedOutputError } from './runtime-script.ts';

/** Most stdout bytes kept from a non-content op (a stat or a failed commit's hash line). */
export const MAX_SMALL_OUTPUT = 64 * 1024;
/** Most stdout bytes kept from a listing (MAX_LIST_ENTRIES lines of long paths). */
export const MAX_LIST_OUTPUT = 32 * 1024 * 1024;
/** Most stderr bytes kept (its tail: the status line and a message). */
const MAX_STDERR = 2048;

/** A sink keeping the last `limit` bytes. */
class TailSink extends Writable {
  private kept = Buffer.alloc(0);
  private readonly limit: number;

  constructor(limit: number) {
    super();
    this.limit = limit;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const joined = Buffer.concat([this.kept, chunk]);
    this.kept = Buffer.from(joined.subarray(Math.max(0, joined.length - this.limit)));
    callback();
  }

  text(): string {
    return this.kept.toString('utf8');
  }
}

/** A sink keeping at most `limit` bytes; `overflow` tells whether more arrived. */
class BoundedSink extends Writable {
  private readonly chunks: Buffer[] = [];
  private bytes = 0;
  overflow = false;
  private readonly limit: number;

  constructor(limit: number) {
    super();
    this.limit = limit;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const room = this.limit - this.bytes;
    if (chunk.length > room) this.overflow = true;
    if (room > 0) {
      const kept = chunk.subarray(0, room);
      this.chunks.push(Buffer.from(kept));
      this.bytes += kept.length;
    }
    callback();
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

function pathError(code: number, path: string, stderr: string, what: string): ApiError {
  const quoted = JSON.stringify(path);
  switch (code) {
    case EXIT.notFound:
      return new ApiError('NotFound', `${quoted} does not exist in the workspace`, { path });
    case EXIT.escapes:
      return new ApiError('PathEscapesWorkspace', `unsafe path ${quoted}: a symlink on the way (never followed) or leading out of the workspace folder`, { reason: 'SymlinkParent', path });
    case EXIT.exists:
      return new ApiError('Conflict', `${quoted} exists${what === 'remove' ? ' and is a directory that is not empty (remove it with recursive)' : ''}`, { path });
    case EXIT.parentNotDirectory:
      return new ApiError('Conflict', `a parent of ${quoted} is not a directory`, { path });
    case EXIT.isDirectory:
      return new ApiError('Conflict', `${quoted} is a directory`, { path });
    case EXIT.notRegular:
      return new ApiError('InvalidParams', `${quoted} is not a regular file`, { path });
    case EXIT.notDirectory:
      return new ApiError('InvalidParams', `${quoted} is not a directory`, { path });
    case EXIT.failed:
      return new ApiError('Forbidden', `${what} ${quoted} failed in the workspace's runtime (permission denied?)${stderr === '' ? '' : `: ${stderr}`}`, { path });
    case EXIT.integrity:
      return new ApiError('Conflict', `the content of ${quoted} did not arrive intact in the workspace's runtime`, { path });
    case EXIT.noFolder:
      return new ApiError('Unavailable', "the workspace folder is not there in the workspace's runtime");
    default:
      return new ApiError('Unavailable', `${what} ${quoted} in the workspace's runtime failed (exit ${code})${stderr === '' ? '' : `: ${stderr}`}`, { path });
  }
}

/** Printable, bounded stderr for messages. */
function clean(stderr: string): string {
  return stderr.replace(/[^\x20-\x7e]+/g, ' ').trim().slice(0, 300);
}

/** A workspace's files inside its runtime (see the module comment). */
export class RuntimeFiles {
  private readonly provider: Provider;
  private readonly target: RuntimeTarget;
  /** The workspace folder in the runtime (absolute). */
  readonly folder: string;

  constructor(provider: Provider, target: RuntimeTarget, folder: string) {
    this.provider = provider;
    this.target = target;
    this.folder = folder;
  }

  /** A key naming this root for daemon-side locks. */
  get lockKey(): string {
    return `runtime:${this.target.namespace}/${this.target.name}:${this.folder}`;
  }

  /** Runs the script's `op`; returns its exit code (after mapping "not running"). */
  private async run(args: string[], options: { stdout: Writable; stdin?: Readable; signal?: AbortSignal }): Promise<{ exitCode: number; stderr: string }> {
    const stderr = new TailSink(MAX_STDERR);
    let result;
    try {
      result = await this.provider.exec(this.target, ['sh', '-c', RUNTIME_FS_SCRIPT, 'nexus-fs', ...args], {
        workdir: this.folder,
        stdout: options.stdout,
        stderr,
        ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
    } catch (err) {
      if (options.signal?.aborted === true) throw new ApiError('Cancelled', 'the call was cancelled');
      if (err instanceof ApiError) throw err;
      throw new ApiError('Unavailable', `the workspace's runtime did not run the file operation: ${(err as Error).message}`);
    }
    const status = parseStatus(stderr.text());
    if (status !== undefined) return { exitCode: status.code, stderr: clean(status.message) };
    if (result.exitCode === 126 || result.exitCode === 127) throw new ApiError('Unavailable', `the workspace's runtime cannot run the file operation (is it running?)${stderr.text() === '' ? '' : `: ${clean(stderr.text())}`}`);
    throw new ApiError('Unavailable', `the file operation did not finish in the workspace's runtime (exit ${result.exitCode})${stderr.text() === '' ? '' : `: ${clean(stderr.text())}`}`);
  }

  /** Runs an op whose stdout is small; throws the mapped error unless it exits 0. */
  private async small(what: string, path: string, args: string[], limit = MAX_SMALL_OUTPUT): Promise<string> {
    const stdout = new BoundedSink(limit);
    const { exitCode, stderr } = await this.run(args, { stdout });
    if (exitCode !== 0) throw pathError(exitCode, path, stderr, what);
    if (stdout.overflow) throw new ApiError('TooLarge', `the workspace's runtime answered ${what} with more than ${limit} bytes`);
    return stdout.text();
  }

  /** `lstat` of `path` (`''`: the folder), with the content's sha256 when `hash` and a regular file. */
  async stat(path: string, hash = false): Promise<EntryInfo & { sha256?: string }> {
    checkPath(path, true);
    const { parent, name } = path === '' ? { parent: '', name: '' } : splitPath(path);
    const output = await this.small('stat', path, ['stat', parent, name, hash ? '1' : '0']);
    return parse(() => parseStat(path, output));
  }

  /** sha256 of regular file `path`, or undefined when there is none. */
  async hashOf(path: string): Promise<string | undefined> {
    try {
      const info = await this.stat(path, true);
      if (info.type !== 'file') throw new ApiError(info.type === 'directory' ? 'Conflict' : 'InvalidParams', `${JSON.stringify(path)} is not a regular file`, { path });
      return info.sha256;
    } catch (err) {
      if (err instanceof ApiError && err.code === 'NotFound') return undefined;
      throw err;
    }
  }

  /** Entries below directory `path`, `depth` levels deep, at most `limit`. Symlinked directories are never entered. */
  async list(path: string, depth: number, limit: number): Promise<{ entries: EntryInfo[]; truncated: boolean }> {
    checkPath(path, true);
    const { parent, name } = path === '' ? { parent: '', name: '' } : splitPath(path);
    const output = await this.small('list', path, ['list', parent, name, String(depth), String(limit + 1)], MAX_LIST_OUTPUT);
    return parse(() => parseList(path, output, depth, limit));
  }

  /**
   * Reads `length` bytes of regular file `path` from `offset` into `sink` (a final symlink is
   * followed only inside the folder). Resolves the file's size; never passes on more than `length` bytes.
   */
  async read(path: string, offset: number, length: number, sink: (bytes: Buffer) => Promise<void>, signal?: AbortSignal): Promise<{ size: number; sent: number }> {
    checkPath(path);
    const { parent, name } = splitPath(path);
    let head: Buffer = Buffer.alloc(0);
    let size: number | undefined;
    let sent = 0;
    // Bytes waiting for a whole chunk, as received (joined once per chunk, not per piece).
    let parts: Buffer[] = [];
    let partBytes = 0;
    let failure: unknown;
    const stop = new AbortController();
    const onAbort = (): void => stop.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const stdout = new Writable({
      highWaterMark: CHUNK_BYTES,
      write(chunk: Buffer, _encoding, callback) {
        if (failure !== undefined) {
          callback();
          return;
        }
        void (async () => {
          let bytes = chunk;
          if (size === undefined) {
            head = Buffer.concat([head, chunk]);
            const header = parseReadHeader(head);
            if (header === undefined) return;
            size = header.size;
            bytes = head.subarray(header.headerBytes);
          }
          bytes = bytes.subarray(0, Math.max(0, length - sent - partBytes));
          if (bytes.length === 0) return;
          parts.push(Buffer.from(bytes));
          partBytes += bytes.length;
          if (partBytes < CHUNK_BYTES) return;
          let joined = Buffer.concat(parts);
          while (joined.length >= CHUNK_BYTES) {
            const piece = joined.subarray(0, CHUNK_BYTES);
            joined = joined.subarray(CHUNK_BYTES);
            sent += piece.length;
            await sink(piece);
          }
          parts = joined.length === 0 ? [] : [joined];
          partBytes = joined.length;
        })().then(
          () => callback(),
          (err: unknown) => {
            // Never error the exec's pipe: remember, stop the exec, drop what follows.
            failure = err;
            stop.abort();
            callback();
          },
        );
      },
    });
    let outcome: { exitCode: number; stderr: string };
    try {
      outcome = await this.run(['read', parent, name, String(offset), String(length)], { stdout, signal: stop.signal });
    } catch (err) {
      if (failure !== undefined) throw failure instanceof UntrustedOutputError ? new ApiError('Unavailable', `the workspace's runtime: ${failure.message}`) : failure;
      throw err;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    if (failure !== undefined) throw failure instanceof UntrustedOutputError ? new ApiError('Unavailable', `the workspace's runtime: ${failure.message}`) : failure;
    if (outcome.exitCode !== 0) throw pathError(outcome.exitCode, path, outcome.stderr, 'read');
    if (size === undefined) throw new ApiError('Unavailable', "the workspace's runtime answered read without its header");
    if (partBytes > 0) {
      sent += partBytes;
      await sink(Buffer.concat(parts));
    }
    return { size, sent };
  }

  /** Starts writing a temp file beside `path`; feed it with `Upload.append`, then `commit`. */
  begin(path: string, createParents: boolean): RuntimeUpload {
    checkPath(path);
    const { parent, name } = splitPath(path);
    const temp = `${SYNC_TEMP_PREFIX}api-${randomBytes(6).toString('hex')}`;
    const input = new PassThrough({ highWaterMark: CHUNK_BYTES });
    const stdout = new BoundedSink(MAX_SMALL_OUTPUT);
    const done = this.run(['put', parent, name, temp, createParents ? '1' : '0'], { stdout, stdin: input }).then(({ exitCode, stderr }) => {
      if (exitCode !== 0) throw pathError(exitCode, path, stderr, 'write');
    });
    done.catch(() => undefined);
    return new RuntimeUpload(this, path, parent, name, temp, input, done);
  }

  /** Commit step of an upload (see RuntimeUpload.commit). */
  async finishUpload(path: string, parent: string, name: string, temp: string, sha256: string, ifMatch: string | undefined): Promise<void> {
    const stdout = new BoundedSink(MAX_SMALL_OUTPUT);
    const { exitCode, stderr } = await this.run(['commit', parent, name, temp, sha256, ifMatch === undefined ? '*' : ifMatch.toLowerCase()], { stdout });
    if (exitCode === EXIT.precondition) {
      const current = parseHashLine(stdout.text());
      throw new ApiError('PreconditionFailed', `${JSON.stringify(path)} ${current === undefined ? 'does not exist' : 'changed'}: its content does not match ifMatch`, { path, ...(current === undefined ? {} : { sha256: current }) });
    }
    if (exitCode !== 0) throw pathError(exitCode, path, stderr, 'write');
  }

  /** Drops an upload's temp file (best effort). */
  async dropTemp(parent: string, temp: string): Promise<void> {
    await this.run(['abort', parent, temp], { stdout: new BoundedSink(0) }).catch(() => undefined);
  }

  /** Makes directory `path` (with parents when `parents`). */
  async mkdir(path: string, parents: boolean): Promise<void> {
    checkPath(path);
    const { parent, name } = splitPath(path);
    await this.small('mkdir', path, ['mkdir', parent, name, parents ? '1' : '0']);
  }

  /** Removes `path` (a link itself, never its target); a directory needs `recursive` unless empty. */
  async remove(path: string, recursive: boolean): Promise<void> {
    checkPath(path);
    const { parent, name } = splitPath(path);
    await this.small('remove', path, ['remove', parent, name, recursive ? '1' : '0']);
  }

  /** Renames `from` to `to`; an existing `to` is replaced only with `overwrite` (never a directory). */
  async rename(from: string, to: string, overwrite: boolean): Promise<void> {
    checkPath(from);
    checkPath(to);
    const a = splitPath(from);
    const b = splitPath(to);
    const stdout = new BoundedSink(MAX_SMALL_OUTPUT);
    const { exitCode, stderr } = await this.run(['rename', a.parent, a.name, b.parent, b.name, overwrite ? '1' : '0'], { stdout });
    if (exitCode === EXIT.notFound) throw pathError(exitCode, from, stderr, 'rename');
    if (exitCode === EXIT.exists) throw new ApiError('Conflict', `${JSON.stringify(to)} exists (rename with overwrite to replace it)`, { path: to });
    if (exitCode !== 0) throw pathError(exitCode, to, stderr, 'rename');
  }
}

/** One write in progress inside a runtime: a temp file fed through an exec's stdin. */
export class RuntimeUpload {
  private readonly hash = createHash('sha256');
  private bytes = 0;
  private finished = false;
  private readonly files: RuntimeFiles;
  /** The target, relative to the folder. */
  readonly path: string;
  private readonly parent: string;
  private readonly name: string;
  private readonly temp: string;
  private readonly input: PassThrough;
  private readonly done: Promise<void>;

  constructor(files: RuntimeFiles, path: string, parent: string, name: string, temp: string, input: PassThrough, done: Promise<void>) {
    this.files = files;
    this.path = path;
    this.parent = parent;
    this.name = name;
    this.temp = temp;
    this.input = input;
    this.done = done;
  }

  /** Bytes written so far. */
  get size(): number {
    return this.bytes;
  }

  /** Appends `data` (waits while the runtime is slower than the client). */
  async append(data: Buffer): Promise<void> {
    if (this.finished) throw new ApiError('Conflict', 'the upload is already finished');
    const failed = this.done.then(() => {
      throw new ApiError('Unavailable', "the workspace's runtime stopped taking the upload");
    });
    failed.catch(() => undefined);
    if (data.length === 0) return;
    const framed = frame(data);
    await Promise.race([this.send(framed), failed]);
    this.hash.update(data);
    this.bytes += data.length;
  }

  private send(bytes: Buffer): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.input.write(bytes, (err) => (err === null || err === undefined ? resolve() : reject(err)));
    });
  }

  /** Ends the content: the end frame (a Pod exec's stdin may never end), then the end of input. */
  private endInput(): void {
    this.input.end(END_FRAME);
  }

  /** Ends the content, verifies it arrived whole, checks `ifMatch` and renames it over the target. Returns its sha256. */
  async commit(ifMatch: string | undefined): Promise<string> {
    if (this.finished) throw new ApiError('Conflict', 'the upload is already finished');
    this.finished = true;
    const digest = this.hash.digest('hex');
    this.endInput();
    try {
      await this.done;
      await this.files.finishUpload(this.path, this.parent, this.name, this.temp, digest, ifMatch);
    } catch (err) {
      await this.files.dropTemp(this.parent, this.temp);
      throw err;
    }
    return digest;
  }

  /** Drops the upload (its temp file). Idempotent. */
  async abort(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    this.endInput();
    await this.done.catch(() => undefined);
    await this.files.dropTemp(this.parent, this.temp);
  }
}

/** Interval of the polling watch of a runtime's files. */
export const WATCH_POLL_MS = 2_000;

/** One event of the polling watch (as `fs.event` sends it). */
export type PollEvent = { kind: 'ready' } | { kind: 'rescan' } | { kind: 'change'; path: string; type: string };

function fingerprint(entry: EntryInfo): string {
  return `${entry.type}\0${entry.size}\0${entry.mtime}\0${entry.mode}\0${entry.target ?? ''}`;
}

/**
 * The polling watch of directory `prefix` inside the runtime (no change notification reaches the
 * daemon from there): a listing (MAX depth and entries as `fs.list`) every `intervalMs`, compared
 * with the previous one. `ready` after the first; then a `change` per entry added, changed
 * (type, size, mtime, mode or link target) or `removed`; `rescan` when a listing was truncated
 * (changes beyond it are not seen). Ends when `signal` aborts. Modification times have the
 * runtime's `stat` resolution (seconds): a rewrite of equal size within one second can be missed.
 */
export async function pollRuntimeFiles(
  files: RuntimeFiles,
  prefix: string,
  limits: { depth: number; entries: number },
  emit: (event: PollEvent) => Promise<void>,
  signal: AbortSignal,
  intervalMs = WATCH_POLL_MS,
): Promise<void> {
  let previous: Map<string, string> | undefined;
  while (!signal.aborted) {
    const listing = await files.list(prefix, limits.depth, limits.entries);
    const current = new Map(listing.entries.map((e) => [e.path, fingerprint(e)]));
    if (previous === undefined) {
      await emit({ kind: 'ready' });
    } else {
      for (const entry of listing.entries) {
        if (previous.get(entry.path) !== current.get(entry.path)) await emit({ kind: 'change', path: entry.path, type: entry.type });
      }
      for (const path of previous.keys()) if (!current.has(path) && !listing.truncated) await emit({ kind: 'change', path, type: 'removed' });
      if (listing.truncated) await emit({ kind: 'rescan' });
    }
    previous = current;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, intervalMs);
      function done(): void {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

function parse<T>(act: () => T): T {
  try {
    return act();
  } catch (err) {
    if (err instanceof UntrustedOutputError) throw new ApiError('Unavailable', `the workspace's runtime: ${err.message}`);
    throw err;
  }
}

/** Feeds a whole buffer (≤ CHUNK_BYTES) as a finished stream. */
export function bufferStream(bytes: Buffer): Readable {
  return Readable.from([bytes]);
}
