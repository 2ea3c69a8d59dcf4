import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { demuxer } from './demux.ts';

function frame(type: number, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header.writeUInt8(type, 0);
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

function sink(delayMs = 0): Writable & { text: () => string } {
  const chunks: Buffer[] = [];
  const out = new Writable({
    highWaterMark: 4,
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      setTimeout(callback, delayMs);
    },
  }) as Writable & { text: () => string };
  out.text = () => Buffer.concat(chunks).toString();
  return out;
}

describe('demuxer', () => {
  it('splits frames cut anywhere into stdout and stderr', async () => {
    const out = sink();
    const err = sink();
    const source = new PassThrough();
    const done = new Promise((resolve) => source.pipe(demuxer(out, err)).once('finish', resolve));
    const bytes = Buffer.concat([frame(1, 'hello '), frame(2, 'oops'), frame(1, 'world')]);
    for (let i = 0; i < bytes.length; i += 3) source.write(bytes.subarray(i, i + 3));
    source.end();
    await done;
    expect(out.text()).toBe('hello world');
    expect(err.text()).toBe('oops');
  });

  it('stops reading the source while a destination is full (backpressure)', async () => {
    const out = sink(20);
    const source = new PassThrough({ highWaterMark: 16 });
    source.pipe(demuxer(out, sink()));
    let accepted = 0;
    for (let i = 0; i < 1000; i++) if (source.write(frame(1, 'x'.repeat(1000)))) accepted++;
    // The source refuses more long before all 1000 frames were taken.
    expect(accepted).toBeLessThan(100);
    source.destroy();
  });
});
