/**
 * The server side of the daemon's control protocol (protocol.ts): frames request lines from the
 * bytes of one connection, answers each with one JSON line, and keeps every connection bounded —
 * a line of at most MAX_REQUEST_BYTES, a request completed within REQUEST_TIMEOUT_MS, reading
 * paused while the client does not read its answers, at most MAX_CONNECTIONS at once. Bad input
 * gets an error reply; nothing a client sends can throw out of here, and a connection that must
 * go is closed after its error reply, never the daemon. A request may be answered later (a
 * `switch` waits for its workspace): answers still go out in the order of the requests, no request
 * timeout runs while one is pending, and the handler's signal aborts when the client ends or closes
 * the connection. A handler may send event lines before its answer (`emit`: an `apply` streams
 * what its CLI prints); they go out in order too, after the answers of earlier requests.
 */
import type { Server, Socket } from 'node:net';
import { MAX_APPLY_REQUEST_BYTES } from './apply-request.ts';
import { MAX_REQUEST_BYTES, maxRequestBytesOf, parseDaemonRequest, REQUEST_TIMEOUT_MS, type DaemonErrorReply, type DaemonRequest } from './protocol.ts';

/**
 * Handles one valid control request; the value (or what its promise resolves to) is sent back as
 * one JSON line. `signal` aborts when the client ends or closes its connection. `emit` sends an
 * event line before the answer (ignored once the answer is settled).
 */
export type RequestHandler = (request: DaemonRequest, signal: AbortSignal, emit: (event: unknown) => void) => unknown;

/** Most control connections served at once (more are closed by the kernel side at accept). */
export const MAX_CONNECTIONS = 64;

/** After a closing error reply, how long the client gets to read it before the connection is destroyed. */
const CLOSE_GRACE_MS = 1_000;

/** Limits of one connection (tests shorten them). */
export interface ControlLimits {
  maxRequestBytes: number;
  /** The limit of a line that starts like an apply request (apply-request.ts). */
  maxApplyRequestBytes: number;
  requestTimeoutMs: number;
}

const DEFAULT_LIMITS: ControlLimits = { maxRequestBytes: MAX_REQUEST_BYTES, maxApplyRequestBytes: MAX_APPLY_REQUEST_BYTES, requestTimeoutMs: REQUEST_TIMEOUT_MS };

/** Sets the server-wide bounds: at most MAX_CONNECTIONS connections. */
export function boundServer(server: Server): void {
  server.maxConnections = MAX_CONNECTIONS;
}

/**
 * The connection listener of the control server. The server must be created with
 * `allowHalfOpen: true`, so a request followed by the client's end of writing is still answered.
 */
export function serveControl(handler: RequestHandler, limits: ControlLimits = DEFAULT_LIMITS): (socket: Socket) => void {
  return (socket) => new ControlConnection(socket, handler, limits).start();
}

class ControlConnection {
  readonly #socket: Socket;
  readonly #handler: RequestHandler;
  readonly #limits: ControlLimits;
  #buffer: Buffer = Buffer.alloc(0);
  #closing = false;
  #timer: NodeJS.Timeout | undefined;
  /** The answers not written yet, in request order. */
  #answers: Promise<void> = Promise.resolve();
  #pending = 0;
  readonly #gone = new AbortController();

  constructor(socket: Socket, handler: RequestHandler, limits: ControlLimits) {
    this.#socket = socket;
    this.#handler = handler;
    this.#limits = limits;
  }

  start(): void {
    const socket = this.#socket;
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      clearTimeout(this.#timer);
      this.#gone.abort();
    });
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('end', () => this.#onEnd());
    socket.on('drain', () => {
      if (!this.#closing) socket.resume();
    });
    this.#armTimeout();
  }

  /** (Re)starts the time the client has to complete its next request. */
  #armTimeout(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#closeWith({ code: 'RequestTimeout', error: `no complete request within ${this.#limits.requestTimeoutMs} ms; closing the connection` });
    }, this.#limits.requestTimeoutMs);
    this.#timer.unref();
  }

  #onData(chunk: Buffer): void {
    if (this.#closing) return; // draining what a closed-for-cause client still sends
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    for (let newline = this.#buffer.indexOf(0x0a); newline >= 0 && !this.#closing; newline = this.#buffer.indexOf(0x0a)) {
      const line = this.#buffer.subarray(0, newline);
      this.#buffer = this.#buffer.subarray(newline + 1);
      this.#answer(line);
    }
    if (!this.#closing) this.#refuseIfTooLong(this.#buffer);
  }

  /** Closes the connection when `line` (complete or not) passes the limit its first bytes allow; true then. */
  #refuseIfTooLong(line: Buffer): boolean {
    const limit = maxRequestBytesOf(line, this.#limits);
    if (line.length <= limit) return false;
    this.#closeWith({ code: 'RequestTooLarge', error: `request line longer than ${limit} bytes; closing the connection` });
    return true;
  }

  #answer(line: Buffer): void {
    if (this.#refuseIfTooLong(line)) return;
    const parsed = parseDaemonRequest(line);
    // Event lines of this request go out after every earlier answer, and before its own.
    let events = this.#answers;
    let settled = false;
    const emit = (event: unknown): void => {
      if (!settled) events = events.then(() => this.#write(event));
    };
    const response = parsed.ok ? this.#handle(parsed.request, emit) : parsed.reply;
    this.#pending += 1;
    clearTimeout(this.#timer);
    this.#answers = this.#answers
      .then(() => response)
      .then(async (value) => {
        settled = true;
        await events;
        this.#write(value);
      })
      .finally(() => {
        this.#pending -= 1;
        if (this.#pending === 0 && !this.#closing) this.#armTimeout();
      });
  }

  /** The handler's answer (a value or a promise of one); a failure becomes an Internal error reply. */
  #handle(request: DaemonRequest, emit: (event: unknown) => void): unknown {
    try {
      const response = this.#handler(request, this.#gone.signal, emit);
      return response instanceof Promise ? response.catch(internalError) : response;
    } catch (err) {
      return internalError(err);
    }
  }

  /** The client ended its side: a partial line left is answered as incomplete, then the connection ends. */
  #onEnd(): void {
    if (this.#closing) return;
    const incomplete = this.#buffer.length > 0;
    this.#closing = true;
    clearTimeout(this.#timer);
    // A peer that closed looks the same as one that only ended writing: either way, pending
    // requests stop waiting now (their answers still go out) instead of holding the connection.
    this.#gone.abort();
    // The answers still due go out first.
    void this.#answers.then(() => {
      if (incomplete) this.#write({ code: 'IncompleteRequest', error: 'the connection ended in the middle of a request line (requests end with a newline)' } satisfies DaemonErrorReply);
      this.#socket.end();
    });
  }

  #write(response: unknown): void {
    const socket = this.#socket;
    if (socket.destroyed || !socket.writable) return;
    // A client that does not read its answers stops being read from (backpressure), so pipelined
    // requests never pile up answers in the daemon's memory.
    if (!socket.write(`${JSON.stringify(response)}\n`)) socket.pause();
  }

  /** Sends a last error reply and closes: ends writing at once, destroys after a short grace. */
  #closeWith(reply: DaemonErrorReply): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#buffer = Buffer.alloc(0);
    clearTimeout(this.#timer);
    this.#write(reply);
    const socket = this.#socket;
    socket.end();
    socket.resume(); // read and discard whatever the client still sends, until it closes
    setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
  }
}

/** The Internal error reply of a handler that failed. */
function internalError(err: unknown): DaemonErrorReply {
  return { code: 'Internal', error: err instanceof Error ? err.message : String(err) };
}
