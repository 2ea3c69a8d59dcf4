/**
 * Types shared by the client core (client.ts) and the helpers it hands out (workspace.ts,
 * stream-caller.ts); they live here so that those helpers need not import the client back.
 */
import type { ApiError } from './errors.ts';

/** Options of every call. */
export interface CallOptions {
  /** Cancels the call: the promise rejects with ApiError('Cancelled') and the daemon is told. */
  signal?: AbortSignal;
}

/** What a stream's owner hears (see registerStream). */
export interface StreamHandler {
  /** A notification of the stream (its params carry `stream`). */
  notification(method: string, params: Record<string, unknown>): void;
  /** The stream ended; `error` when it failed. */
  end(error?: ApiError): void;
}
