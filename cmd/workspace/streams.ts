/**
 * Adapters between the CLI's text sinks and the byte streams providers write to: a real stream
 * (process.stdout) is used as is, anything else (a test buffer) gets decoded UTF-8 text.
 */
import { StringDecoder } from 'node:string_decoder';
import { Writable } from 'node:stream';
import type { TextOut } from '../command.ts';

/** `out` itself when it is a writable stream, else a Writable forwarding decoded text to it. */
export function writableOf(out: TextOut): NodeJS.WritableStream {
  if (out instanceof Writable) return out;
  const decoder = new StringDecoder('utf8');
  return new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      out.write(typeof chunk === 'string' ? chunk : decoder.write(chunk));
      callback();
    },
    final(callback) {
      const rest = decoder.end();
      if (rest !== '') out.write(rest);
      callback();
    },
  });
}
