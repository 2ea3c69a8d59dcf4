/**
 * Upload sessions of chunked writes (`fs.writeBegin` → `fs.writeChunk`… → `fs.writeCommit`): a
 * temp file beside the target, appended chunk by chunk (each ≤ 1 MiB, so the daemon never holds a
 * whole file), renamed over the target at commit. A session belongs to one connection: it is
 * dropped (temp file removed) when that connection closes, on `fs.writeAbort`, or after
 * `IDLE_MS` without a chunk. For a workspace whose files live in its runtime, the temp file is
 * fed through an exec instead (`RuntimeUpload`; no host root).
 */
import { randomBytes } from 'node:crypto';
import { ApiError, type ConnectionContext } from '../../rpc/method.ts';
import type { RuntimeUpload } from './runtime-fs.ts';
import type { SafeRoot, TempFile } from './safe-fs.ts';

/** An upload is dropped after this long without a call. */
export const IDLE_MS = 5 * 60_000;

/** At most this many uploads open on one connection. */
export const MAX_UPLOADS_PER_CONNECTION = 16;

/** One open upload. */
export interface Upload {
  id: string;
  connection: string;
  /** The host root (undefined for an upload into a runtime). */
  root: SafeRoot | undefined;
  temp: TempFile | RuntimeUpload;
  /** Names the file root for daemon-side locks. */
  lockKey: string;
  /** Expected sha256 of the target's current content at commit (compare-and-swap), when given. */
  ifMatch?: string;
  /** Reused for each chunk's decoded bytes. */
  scratch?: Buffer;
  /** Serialises the session's calls. */
  busy: Promise<unknown>;
  timer: NodeJS.Timeout;
}

/** The open uploads of this daemon, by connection. */
export class UploadRegistry {
  private readonly uploads = new Map<string, Upload>();
  private readonly watched = new Set<string>();

  /** Registers an upload of `connection` (its temp file already created). */
  add(connection: ConnectionContext, root: SafeRoot | undefined, temp: TempFile | RuntimeUpload, ifMatch: string | undefined, lockKey: string): Upload {
    if (this.countOf(connection.id) >= MAX_UPLOADS_PER_CONNECTION) throw new ApiError('TooLarge', `at most ${MAX_UPLOADS_PER_CONNECTION} uploads may be open on one connection`);
    const id = `u-${randomBytes(9).toString('base64url')}`;
    const upload: Upload = { id, connection: connection.id, root, temp, lockKey, busy: Promise.resolve(), timer: this.idleTimer(`${connection.id}/${id}`) };
    if (ifMatch !== undefined) upload.ifMatch = ifMatch;
    this.uploads.set(`${connection.id}/${id}`, upload);
    if (!this.watched.has(connection.id)) {
      this.watched.add(connection.id);
      connection.closed.addEventListener('abort', () => this.dropConnection(connection.id), { once: true });
    }
    return upload;
  }

  /** The upload `id` of `connection`, its idle timer restarted; NotFound when there is none. */
  get(connection: ConnectionContext, id: string): Upload {
    const key = `${connection.id}/${id}`;
    const upload = this.uploads.get(key);
    if (upload === undefined) throw new ApiError('NotFound', `no upload ${JSON.stringify(id)} is open on this connection (finished, aborted or idle too long)`);
    clearTimeout(upload.timer);
    upload.timer = this.idleTimer(key);
    return upload;
  }

  /** Forgets the upload and releases its root; `abort` also removes its temp file. */
  finish(upload: Upload, abort: boolean): void {
    if (!this.uploads.delete(`${upload.connection}/${upload.id}`)) return;
    clearTimeout(upload.timer);
    try {
      if (abort) void Promise.resolve(upload.temp.abort()).catch(() => undefined);
    } finally {
      upload.root?.close();
    }
  }

  /** Number of open uploads (all connections). */
  get size(): number {
    return this.uploads.size;
  }

  private countOf(connection: string): number {
    let n = 0;
    for (const upload of this.uploads.values()) if (upload.connection === connection) n++;
    return n;
  }

  private idleTimer(key: string): NodeJS.Timeout {
    const timer = setTimeout(() => {
      const upload = this.uploads.get(key);
      if (upload !== undefined) void upload.busy.finally(() => this.finish(upload, true));
    }, IDLE_MS);
    timer.unref();
    return timer;
  }

  private dropConnection(connection: string): void {
    this.watched.delete(connection);
    for (const upload of [...this.uploads.values()]) {
      if (upload.connection === connection) void upload.busy.finally(() => this.finish(upload, true));
    }
  }
}
