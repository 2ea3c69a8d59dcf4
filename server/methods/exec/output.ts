/**
 * A byte stream that leaves the daemon as notifications: what a provider writes to it (exec
 * output, logs) is sent as `{ stream, fd, data: base64 }` in pieces of at most 1 MiB, one at a
 * time, each awaiting the connection's room (backpressure reaches the provider through `write`'s
 * callback: its pipe pauses). For a TTY exec it also carries the terminal size the provider
 * follows (`columns`, `rows`, a `resize` event), as a terminal stdout would.
 */
import { Writable } from 'node:stream';
import type { CallContext } from '../../rpc/method.ts';

/** Largest decoded piece per notification. */
export const OUTPUT_CHUNK_BYTES = 1024 * 1024;

/** A Writable sending notifications `method` with `{ stream, fd, data }`. */
export interface NotifyingOutput extends Writable {
  columns?: number;
  rows?: number;
  /** Sets the terminal size and tells the provider (TTY execs). */
  resize(columns: number, rows: number): void;
}

/** The output stream `fd` (`stdout`, `stderr`) of `stream` (an id, or a function giving it once known), sent as `method` notifications through `notify`. */
export function notifyingOutput(notify: CallContext['notify'], method: string, stream: string | (() => string), fd: 'stdout' | 'stderr'): NotifyingOutput {
  const streamId = typeof stream === 'string' ? () => stream : stream;
  const out = new Writable({
    highWaterMark: 256 * 1024,
    write(chunk: Buffer, _encoding, callback) {
      void (async () => {
        for (let at = 0; at < chunk.length; at += OUTPUT_CHUNK_BYTES) {
          await notify(method, { stream: streamId(), fd, data: chunk.subarray(at, at + OUTPUT_CHUNK_BYTES).toString('base64') });
        }
      })().then(() => callback(), (err: Error) => callback(err));
    },
  }) as NotifyingOutput;
  out.resize = (columns, rows) => {
    out.columns = columns;
    out.rows = rows;
    out.emit('resize');
  };
  return out;
}

/** Ends `out` and resolves once everything written was sent (or sending failed). */
export function flushed(out: Writable): Promise<void> {
  return new Promise((resolve) => {
    if (out.writableFinished || out.destroyed) {
      resolve();
      return;
    }
    out.once('finish', () => resolve());
    out.once('error', () => resolve());
    out.once('close', () => resolve());
    out.end();
  });
}
