/**
 * What the workspace file, exec and logs helpers need from the client core: calls (with an
 * AbortSignal) and the notifications of one server stream, in order. Streams carry an id the
 * call returned; `stream.end` closes one (with an error when it failed); `streams.cancel` stops one.
 * `streamCallerOf(client)` is that seam over the SDK's Client.
 */
import type { CallOptions, StreamHandler } from './call-types.ts';
import { ApiError, fromJsonRpcError } from './errors.ts';

/** A JSON-RPC notification of one server stream. */
export interface StreamNotification {
  method: string;
  params: { stream: string; [key: string]: unknown };
}

/** The calls the helpers make. */
export interface StreamCaller {
  /** Calls `method`; rejects with the SDK's typed error; `signal` cancels the call. */
  call<R>(method: string, params: Record<string, unknown>, options?: { signal?: AbortSignal }): Promise<R>;
  /**
   * Delivers every notification of stream `stream` (including its `stream.end`) to `listener`,
   * in arrival order, until the returned function is called.
   */
  subscribe(stream: string, listener: (notification: StreamNotification) => void): () => void;
}

/** Bytes from base64 (Node's Buffer when present, else atob). */
export function fromBase64(data: string): Uint8Array {
  const NodeBuffer = (globalThis as { Buffer?: { from(data: string, encoding: string): Uint8Array } }).Buffer;
  if (NodeBuffer !== undefined) return NodeBuffer.from(data, 'base64');
  const text = atob(data);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** Base64 of `bytes`. */
export function toBase64(bytes: Uint8Array): string {
  const NodeBuffer = (globalThis as { Buffer?: { from(data: Uint8Array): { toString(encoding: string): string } } }).Buffer;
  if (NodeBuffer !== undefined) return NodeBuffer.from(bytes).toString('base64');
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
}

/** UTF-8 bytes of a string, or the bytes themselves. */
export function bytesOf(data: string | Uint8Array): Uint8Array {
  return typeof data === 'string' ? new TextEncoder().encode(data) : data;
}

/**
 * An async queue of one stream's notifications: `next()` resolves with the next one. Bounded by
 * the server, which sends a notification only when the socket has room.
 */
export class NotificationQueue {
  private readonly items: StreamNotification[] = [];
  private waiting: ((item: StreamNotification | undefined) => void) | undefined;
  private closed = false;

  /** Adds a notification (from `subscribe`). */
  push(item: StreamNotification): void {
    if (this.waiting !== undefined) {
      const wake = this.waiting;
      this.waiting = undefined;
      wake(item);
    } else {
      this.items.push(item);
    }
  }

  /** Ends the queue: `next()` then resolves undefined. */
  close(): void {
    this.closed = true;
    this.waiting?.(undefined);
    this.waiting = undefined;
  }

  /** The next notification, or undefined when closed. */
  next(): Promise<StreamNotification | undefined> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve(item);
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => (this.waiting = resolve));
  }
}

/** What `streamCallerOf` needs of the SDK's Client (client.ts). */
export interface StreamClient {
  callRaw(method: string, params: unknown, options?: CallOptions): Promise<unknown>;
  registerStream(id: string, handler: StreamHandler): () => void;
}

/** The calls and stream routing of `client`. */
export function streamCallerOf(client: StreamClient): StreamCaller {
  return {
    call: <R>(method: string, params: Record<string, unknown>, options: { signal?: AbortSignal } = {}) => client.callRaw(method, params, options) as Promise<R>,
    subscribe: (stream, listener) =>
      client.registerStream(stream, {
        notification: (method, params) => listener({ method, params: params as StreamNotification['params'] }),
        end: (error) => listener({ method: 'stream.end', params: error === undefined ? { stream } : { stream, error } }),
      }),
  };
}

/** The error a `stream.end` carries: the SDK's ApiError (already, or from its JSON-RPC form). */
export function streamEndError(error: unknown): ApiError {
  return error instanceof ApiError ? error : fromJsonRpcError(error as { code?: unknown; message?: unknown; data?: unknown });
}

/** The error of an aborted call or stream. */
export function cancelled(what: string): ApiError {
  return new ApiError('Cancelled', `${what} was cancelled`);
}
