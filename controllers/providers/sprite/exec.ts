/**
 * Exec over the Sprites WebSocket protocol (`WSS /v1/sprites/{name}/exec`): argv as repeated `cmd`,
 * `tty`, `stdin`, `dir`, `env`, `cols`/`rows`, `max_run_after_disconnect`. Without a TTY every
 * binary frame starts with a stream id (0 stdin, 1 stdout, 2 stderr, 3 exit + code, 4 stdin EOF);
 * with a TTY frames are raw bytes. Text frames are JSON: `session_info` (the session id), `exit`,
 * `resize` (client → server). A connection that drops before the exit is re-attached to the same
 * session (`WSS …/exec/{session_id}`: sessions outlive a disconnect) a few times before the exec
 * fails with SpriteConnectionLost.
 */
import { PassThrough } from 'node:stream';
import type WebSocket from 'ws';
import { SpriteApiError } from './api-errors.ts';
import type { SpriteClient } from './client.ts';

/** Stream ids of the non-TTY framing. */
export const STREAM = { stdin: 0, stdout: 1, stderr: 2, exit: 3, stdinEof: 4 } as const;

/** What to run. */
export interface ExecRequest {
  argv: readonly string[];
  tty?: boolean;
  /** Forward stdin (default: true with a TTY, false without). */
  stdin?: boolean;
  dir?: string;
  /** Replaces the Sprite's default environment when given. */
  env?: Record<string, string>;
  cols?: number;
  rows?: number;
  /** How long the process outlives a dropped connection (e.g. `30s`, `0` = forever). */
  maxRunAfterDisconnect?: string;
}

/** How often a dropped exec connection is re-attached before failing. */
const REATTACH_ATTEMPTS = 3;

/** An exec in progress. */
export class SpriteExec {
  /** The process's output (with a TTY: everything). */
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  /** Resolves with the exit code; rejects with SpriteConnectionLost when the connection is lost for good. */
  readonly exit: Promise<number>;
  /** The session id (from `session_info`), once known. */
  sessionId: string | undefined;
  readonly #client: SpriteClient;
  readonly #sprite: string;
  readonly #tty: boolean;
  #socket: WebSocket;
  #done = false;
  #resolve!: (code: number) => void;
  #reject!: (err: Error) => void;

  private constructor(client: SpriteClient, sprite: string, tty: boolean, socket: WebSocket) {
    this.#client = client;
    this.#sprite = sprite;
    this.#tty = tty;
    this.#socket = socket;
    this.exit = new Promise<number>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.exit.catch(() => undefined);
    this.stdout.on('error', () => undefined);
    this.stderr.on('error', () => undefined);
    this.#attach(socket);
  }

  /** Starts `request` in Sprite `sprite`; resolves once the WebSocket is open. */
  static async start(client: SpriteClient, sprite: string, request: ExecRequest, signal?: AbortSignal): Promise<SpriteExec> {
    const tty = request.tty === true;
    const query = {
      cmd: [...request.argv],
      ...(request.argv[0] !== undefined ? { path: request.argv[0] } : {}),
      tty: String(tty),
      stdin: String(request.stdin ?? tty),
      ...(request.dir !== undefined ? { dir: request.dir } : {}),
      ...(request.env !== undefined ? { env: Object.entries(request.env).map(([k, v]) => `${k}=${v}`) } : {}),
      ...(request.cols !== undefined ? { cols: String(request.cols) } : {}),
      ...(request.rows !== undefined ? { rows: String(request.rows) } : {}),
      ...(request.maxRunAfterDisconnect !== undefined ? { max_run_after_disconnect: request.maxRunAfterDisconnect } : {}),
    };
    const socket = await client.openSocket(`/v1/sprites/${encodeURIComponent(sprite)}/exec`, query, signal);
    const exec = new SpriteExec(client, sprite, tty, socket);
    signal?.addEventListener('abort', () => exec.close(), { once: true });
    return exec;
  }

  /** True once the process exited or the exec failed. */
  get done(): boolean {
    return this.#done;
  }

  /** Sends stdin bytes; resolves once written to the socket (backpressure). */
  write(data: Uint8Array): Promise<void> {
    if (this.#done) return Promise.reject(new Error(`exec in sprite ${this.#sprite} already ended`));
    const frame = this.#tty ? Buffer.from(data) : Buffer.concat([Buffer.from([STREAM.stdin]), data]);
    return new Promise((resolve, reject) => this.#socket.send(frame, { binary: true }, (err) => (err ? reject(err) : resolve())));
  }

  /** Ends stdin (stream id 4; with a TTY, Ctrl-D). */
  endStdin(): void {
    if (this.#done) return;
    this.#socket.send(this.#tty ? Buffer.from([4]) : Buffer.from([STREAM.stdinEof]), { binary: true });
  }

  /** Resizes the TTY. */
  resize(cols: number, rows: number): void {
    if (this.#done || !this.#tty) return;
    this.#socket.send(JSON.stringify({ type: 'resize', cols, rows }));
  }

  /** Drops the connection (the process ends per max_run_after_disconnect); the exit rejects. */
  close(): void {
    if (this.#done) return;
    this.#fail(new SpriteApiError('SpriteConnectionLost', `exec in sprite ${this.#sprite} was closed before the command ended`, { transient: true }));
    this.#socket.terminate();
  }

  #attach(socket: WebSocket): void {
    socket.on('message', (data, isBinary) => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      if (!isBinary) this.#control(bytes.toString('utf8'));
      else if (this.#tty) this.stdout.write(bytes);
      else this.#frame(bytes);
    });
    socket.on('close', () => void this.#lost());
    socket.resume();
  }

  #frame(bytes: Buffer): void {
    if (bytes.length === 0) return;
    const payload = bytes.subarray(1);
    switch (bytes[0]) {
      case STREAM.stdout:
        this.stdout.write(payload);
        break;
      case STREAM.stderr:
        this.stderr.write(payload);
        break;
      case STREAM.exit:
        this.#finish(payload.length > 0 ? payload[0]! : 0);
        break;
      default:
        break;
    }
  }

  #control(text: string): void {
    let message: { type?: unknown; session_id?: unknown; exit_code?: unknown };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      return;
    }
    if (message.type === 'session_info' && (typeof message.session_id === 'string' || typeof message.session_id === 'number')) {
      this.sessionId = String(message.session_id);
    } else if (message.type === 'exit') {
      this.#finish(typeof message.exit_code === 'number' ? message.exit_code : 0);
    }
  }

  #finish(code: number): void {
    if (this.#done) return;
    this.#done = true;
    this.stdout.end();
    this.stderr.end();
    this.#resolve(code);
    this.#socket.close();
  }

  #fail(error: Error): void {
    if (this.#done) return;
    this.#done = true;
    this.stdout.end();
    this.stderr.end();
    this.#reject(error);
  }

  /** The connection closed: re-attach to the session when the command has not ended. */
  async #lost(): Promise<void> {
    if (this.#done) return;
    const id = this.sessionId;
    for (let attempt = 0; id !== undefined && attempt < REATTACH_ATTEMPTS && !this.#done; attempt++) {
      try {
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
        const socket = await this.#client.openSocket(`/v1/sprites/${encodeURIComponent(this.#sprite)}/exec/${encodeURIComponent(id)}`);
        if (this.#done) {
          socket.terminate();
          return;
        }
        this.#socket = socket;
        this.#attach(socket);
        return;
      } catch (err) {
        // A session that is gone (404/410) cannot be re-attached: its exit code is lost.
        if (err instanceof SpriteApiError && (err.httpStatus === 404 || err.httpStatus === 410)) break;
      }
    }
    this.#fail(
      new SpriteApiError('SpriteConnectionLost', `exec in sprite ${this.#sprite}: the connection dropped before the command ended${id === undefined ? '' : ` and session ${id} could not be re-attached`}`, {
        transient: true,
      }),
    );
  }
}
