import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputTooLargeError, readStreamBounded, readTextBounded } from './bounded-read.ts';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'bounded-read-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('bounded reads', () => {
  it('reads a file up to the bound and refuses one byte more', async () => {
    writeFileSync(join(dir, 'ok'), 'x'.repeat(100));
    writeFileSync(join(dir, 'big'), 'x'.repeat(101));
    await expect(readTextBounded(join(dir, 'ok'), 100)).resolves.toHaveLength(100);
    await expect(readTextBounded(join(dir, 'big'), 100)).rejects.toThrow(InputTooLargeError);
  });

  it('bounds a device whose size the file system does not report', async () => {
    await expect(readTextBounded('/dev/zero', 1024)).rejects.toThrow('is larger than 1 KiB');
  });

  it('bounds a stream', async () => {
    await expect(readStreamBounded(Readable.from([Buffer.alloc(60), Buffer.alloc(60)]), 100)).rejects.toThrow(InputTooLargeError);
    await expect(readStreamBounded(Readable.from([Buffer.from('ab'), Buffer.from('c')]), 100)).resolves.toBe('abc');
  });
});
