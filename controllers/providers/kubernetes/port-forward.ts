/**
 * One TCP connection to a port of a Pod through the API server's `pods/portforward` (WebSocket,
 * `v4.channel.k8s.io`: channel 0 carries the bytes, channel 1 the kubelet's error text, each
 * starting with the port number, which @kubernetes/client-node's PortForward strips). One
 * WebSocket per connection, as `kubectl port-forward` opens one stream pair per connection.
 *
 * The stream is a Duplex with backpressure both ways: a write completes when its frame is on the
 * API server's socket, and the WebSocket is paused while the reader is behind. The protocol has no
 * half-close, so a local FIN (`end()`) keeps the connection open for the answer: it is closed at
 * once when the Pod side closes, or after `lingerMs` (30 s by default) in which nothing came from
 * the Pod side; each chunk from the Pod restarts that timer, and it does not run while the reader
 * is behind (the WebSocket is paused then, so the silence is ours). A slow server still gets its
 * whole answer to a half-closing client (`nc -N`, HTTP/1.0 scripts) through. An error the kubelet
 * reports on the error channel (nothing listens on the port, the Pod is gone) destroys the stream
 * with a `PortForwardError` naming the Pod and port.
 *
 * `dialPodPort` resolves once the WebSocket is open, which does not yet mean the kubelet reached
 * the port: when nothing listens there, its error arrives milliseconds later. Callers learn that
 * the port answered from its first byte (the TCP forwarder reports a connection only then).
 */
import { Duplex, Writable } from 'node:stream';
import { PortForward, type KubeConfig } from '@kubernetes/client-node';
import { BoulderError, type ErrorCode } from '../../../apis/errors.ts';

/**
 * Default silence from the Pod side, after a local FIN, before the WebSocket is closed (see the
 * module comment): long enough for a slow server's answer, short enough not to keep idle
 * WebSockets open for long when the server waits for an EOF it cannot be sent.
 */
export const DEFAULT_LINGER_MS = 30_000;

/** A port-forward that failed: the API server refused it, or the kubelet reported an error. */
export class PortForwardError extends BoulderError {
  /** `namespace/pod:port`. */
  readonly target: string;
  /** HTTP status of a refused upgrade, when there was one. */
  readonly httpStatus: number | undefined;

  constructor(code: ErrorCode, message: string, target: string, options: { httpStatus?: number; cause?: unknown } = {}) {
    super(code, message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'PortForwardError';
    this.target = target;
    this.httpStatus = options.httpStatus;
  }
}

/** The HTTP status of a refused WebSocket upgrade (`Unexpected server response: 403`), if any. */
export function upgradeStatus(err: unknown): number | undefined {
  const message = errorText(err);
  const match = /Unexpected server response: (\d{3})/.exec(message);
  return match === null ? undefined : Number(match[1]);
}

/**
 * The typed error for a port-forward the API server refused or could not open (pure): 403 →
 * Forbidden (the credentials lack `create` on `pods/portforward`), 404 → NotFound (no such Pod),
 * 400 → the Pod is not running, anything else (5xx, no kubelet, transport) → Unavailable.
 */
export function portForwardFailure(err: unknown, target: string): PortForwardError {
  const status = upgradeStatus(err);
  const base = `port-forward to pod ${target}`;
  if (status === 403) return new PortForwardError('Forbidden', `${base} forbidden (HTTP 403): the credentials lack create on pods/portforward`, target, { httpStatus: status, cause: err });
  if (status === 404) return new PortForwardError('NotFound', `${base} failed (HTTP 404): the pod does not exist`, target, { httpStatus: status, cause: err });
  if (status === 400) return new PortForwardError('Unavailable', `${base} refused (HTTP 400): the pod is not running`, target, { httpStatus: status, cause: err });
  if (status !== undefined) return new PortForwardError('Unavailable', `${base} failed (HTTP ${status}): the API server could not reach the node's kubelet`, target, { httpStatus: status, cause: err });
  return new PortForwardError('Unavailable', `${base} failed: ${errorText(err)}`, target, { cause: err });
}

/** Options of `dialPodPort`. */
export interface DialPodPortOptions {
  /** Silence from the Pod side after a local FIN before closing (default `DEFAULT_LINGER_MS`). */
  lingerMs?: number;
  /** Give up opening after this long (default 10 s). */
  timeoutMs?: number;
}

/**
 * Opens a connection to `port` of `namespace/pod`; rejects with a `PortForwardError`. It resolves
 * when the WebSocket is open: a port nothing listens on shows as a `PortForwardError` on the stream
 * shortly after (see the module comment).
 */
export async function dialPodPort(kubeConfig: KubeConfig, namespace: string, pod: string, port: number, options: DialPodPortOptions = {}): Promise<Duplex> {
  const target = `${namespace}/${pod}:${port}`;
  const stream = new PodPortStream(target, options.lingerMs ?? DEFAULT_LINGER_MS);
  const never = new Duplex({ read() {}, write(_c, _e, cb) { cb(); } }); // input the library reads: we send ourselves
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${options.timeoutMs ?? 10_000} ms`)), options.timeoutMs ?? 10_000);
  });
  try {
    const opened = new PortForward(kubeConfig, true).portForward(namespace, pod, [port], stream.output, stream.errors, never);
    // A late open after the timeout must not leak its socket.
    opened.then((ws) => stream.destroyed && (ws as unknown as WebSocketLike).terminate?.(), () => undefined);
    const ws = (await Promise.race([opened, timeout])) as unknown as WebSocketLike;
    stream.attach(ws);
    return stream;
  } catch (err) {
    stream.destroy();
    throw portForwardFailure(err, target);
  } finally {
    clearTimeout(timer);
  }
}

/** The parts of a `ws` WebSocket used here (the library types it loosely). */
interface WebSocketLike {
  readonly readyState: number;
  send(data: Buffer, cb: (err?: Error) => void): void;
  close(code?: number): void;
  terminate?(): void;
  pause?(): void;
  resume?(): void;
  on(event: 'close', listener: (code: number) => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
}

const OPEN = 1;
const DATA_CHANNEL = Buffer.from([0]);

/** The Duplex of one port-forward; see the module comment. */
class PodPortStream extends Duplex {
  readonly #target: string;
  readonly #lingerMs: number;
  #ws: WebSocketLike | undefined;
  #errorText = '';
  #localEnded = false;
  #linger: NodeJS.Timeout | undefined;
  /** The WebSocket is paused because the reader is behind: the linger does not run. */
  #paused = false;
  /** Receives channel 0 from the library. */
  readonly output: Writable;
  /** Receives channel 1 (the kubelet's error text). */
  readonly errors: Writable;

  constructor(target: string, lingerMs: number) {
    // Chunks that queue while a frame is in flight leave together (`_writev`): fewer, larger frames.
    super({ allowHalfOpen: true, writableHighWaterMark: 256 * 1024, readableHighWaterMark: 256 * 1024 });
    this.#target = target;
    this.#lingerMs = lingerMs;
    this.output = new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        if (chunk.length > 0 && !this.push(chunk)) {
          this.#paused = true;
          this.#ws?.pause?.();
        }
        if (this.#localEnded) this.#armLinger();
        callback();
      },
    });
    this.errors = new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        this.#errorText += chunk.toString('utf8');
        callback();
      },
    });
  }

  /** Starts using the opened WebSocket. */
  attach(ws: WebSocketLike): void {
    this.#ws = ws;
    ws.on('error', (err) => this.destroy(portForwardFailure(err, this.#target)));
    ws.on('close', () => {
      clearTimeout(this.#linger);
      if (this.#errorText.trim() !== '') this.destroy(this.#failure());
      else this.push(null);
    });
  }

  override _read(): void {
    this.#ws?.resume?.();
    if (this.#paused) {
      this.#paused = false;
      if (this.#localEnded) this.#armLinger();
    }
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    const ws = this.#ws;
    if (ws === undefined || ws.readyState !== OPEN) {
      callback(this.#failure());
      return;
    }
    ws.send(Buffer.concat([DATA_CHANNEL, chunk]), (err) => callback(err === undefined || err === null ? null : this.#failure(err)));
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (err?: Error | null) => void): void {
    this._write(Buffer.concat(chunks.map((c) => c.chunk)), 'binary', callback);
  }

  /** The kubelet's error when it sent one (it explains a close), else that the connection is closed. */
  #failure(cause?: Error): PortForwardError {
    const text = this.#errorText.trim();
    const message = text !== '' ? `port-forward to pod ${this.#target}: ${text}` : `port-forward to pod ${this.#target} is closed`;
    return new PortForwardError('Unavailable', message, this.#target, cause !== undefined ? { cause } : {});
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.#localEnded = true;
    this.#armLinger();
    callback();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    clearTimeout(this.#linger);
    const ws = this.#ws;
    if (ws !== undefined && ws.readyState <= OPEN) {
      if (err === null) ws.close(1000);
      else (ws.terminate ?? ws.close).call(ws);
    }
    callback(err);
  }

  /**
   * (Re)starts the linger timer after a local FIN (stopped while the reader is behind); when it
   * fires the WebSocket is closed.
   */
  #armLinger(): void {
    clearTimeout(this.#linger);
    this.#linger = this.#paused || this.destroyed ? undefined : setTimeout(() => this.#ws?.close(1000), this.#lingerMs);
  }
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  const message = (err as { message?: unknown } | undefined)?.message;
  if (typeof message === 'string') return message;
  const inner = (err as { error?: unknown } | undefined)?.error;
  if (inner instanceof Error) return inner.message;
  return String(err);
}
