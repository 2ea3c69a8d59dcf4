/**
 * The per-connection registry of server → client streams (watch events, and api-files' exec and
 * file streams): ids are unique per connection, every stream is aborted when the connection closes,
 * and its end (normal or failed) is announced with a `stream.end` notification.
 */
import { ApiError, type OpenStream, type StreamRegistry } from './method.ts';
import { toJsonRpcError } from './errors.ts';

/** Notification announcing the end of a stream. */
export const STREAM_END = 'stream.end';

/** Most streams one connection may hold open at once (each holds a store watch, a process…). */
export const MAX_STREAMS_PER_CONNECTION = 64;

/** Creates the registry of one connection; `notify` sends a notification on it. */
export function createStreamRegistry(closed: AbortSignal, notify: (method: string, params: unknown) => Promise<void>, onError: (err: unknown) => void): StreamRegistry {
  const open = new Map<string, AbortController>();
  let next = 0;
  return {
    open(run) {
      if (open.size >= MAX_STREAMS_PER_CONNECTION) throw new ApiError('TooLarge', `this connection already has ${MAX_STREAMS_PER_CONNECTION} open streams: cancel one (streams.cancel) first`, { reason: 'streams' });
      const id = `s${++next}`;
      const controller = new AbortController();
      const signal = AbortSignal.any([controller.signal, closed]);
      open.set(id, controller);
      const stream: OpenStream = { id, signal };
      setImmediate(() => {
        run(stream)
          .then(
            () => (closed.aborted ? undefined : notify(STREAM_END, { stream: id })),
            (err: unknown) => {
              if (closed.aborted) return undefined;
              if (!signal.aborted) onError(err);
              return notify(STREAM_END, signal.aborted ? { stream: id } : { stream: id, error: toJsonRpcError(err) });
            },
          )
          .catch(() => undefined)
          .finally(() => {
            open.delete(id);
            controller.abort();
          });
      });
      return stream;
    },
    cancel(id) {
      const controller = open.get(id);
      if (controller === undefined) return false;
      controller.abort();
      return true;
    },
    get size() {
      return open.size;
    },
  };
}
