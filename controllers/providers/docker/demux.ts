/**
 * Docker's multiplexed output stream (8-byte frame header: stream type, 3 zero bytes, payload
 * length big-endian) split into stdout and stderr, with backpressure: when a destination's
 * `write` returns false, no more is read from the source until it drains (dockerode's
 * `demuxStream` writes regardless, so a slow reader — a daemon API client — would grow memory
 * without bound). Destinations are never ended. A frame with an unknown stream type means the
 * stream is not multiplexed after all (a TTY): the rest goes to stdout unchanged, as dockerode does.
 */
import { Writable } from 'node:stream';

/** Writes `chunk` to `out`; resolves at once, or when `out` drained if its buffer is full. */
function writeWithBackpressure(out: NodeJS.WritableStream, chunk: Buffer): Promise<void> | undefined {
  if (out.write(chunk)) return undefined;
  return new Promise((resolve) => {
    const done = (): void => {
      out.removeListener('drain', done);
      out.removeListener('close', done);
      out.removeListener('error', done);
      resolve();
    };
    out.once('drain', done);
    out.once('close', done);
    out.once('error', done);
  });
}

/** A writable that demultiplexes what is piped into it; pipe the source into it (`source.pipe(demuxer(out, err))`). */
export function demuxer(stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): Writable {
  let pending: Buffer = Buffer.alloc(0);
  let raw = false;
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      const waits: Promise<void>[] = [];
      const push = (out: NodeJS.WritableStream, bytes: Buffer): void => {
        if (bytes.length === 0) return;
        const wait = writeWithBackpressure(out, bytes);
        if (wait !== undefined) waits.push(wait);
      };
      if (raw) {
        push(stdout, chunk);
      } else {
        pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
        while (pending.length >= 8) {
          const type = pending.readUInt8(0);
          if (type !== 0 && type !== 1 && type !== 2) {
            raw = true;
            push(stdout, pending);
            pending = Buffer.alloc(0);
            break;
          }
          const length = pending.readUInt32BE(4);
          if (pending.length < 8 + length) break;
          push(type === 2 ? stderr : stdout, pending.subarray(8, 8 + length));
          pending = pending.subarray(8 + length);
        }
      }
      if (waits.length === 0) callback();
      else void Promise.all(waits).then(() => callback());
    },
  });
}

/** Pipes a raw (TTY) stream into `out` without ending it, with backpressure. */
export function passthrough(out: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      const wait = writeWithBackpressure(out, chunk);
      if (wait === undefined) callback();
      else void wait.then(() => callback());
    },
  });
}
