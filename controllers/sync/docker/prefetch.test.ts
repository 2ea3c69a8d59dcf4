/**
 * The prefetch script run by a real `sh`, `find` and `tar` on real files (as the container's agent
 * runs it), parsed and served.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FileEntry } from '../endpoint.ts';
import { parsePrefetch, parsePrefetchOutput, PREFETCH_BYTES, prefetchScript, servePrefetched } from './prefetch.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'boulder-prefetch-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sha = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const MARK = '\n__prefetch_test__\n';

/** Runs the script in `dir` and returns what follows the mark. */
function runScript(paths: string[]): Buffer {
  const out = execFileSync('sh', ['-c', prefetchScript(paths, MARK)], { cwd: dir });
  const at = out.indexOf(MARK);
  expect(at).toBe(0);
  return out.subarray(at + MARK.length);
}

const entry = (digest: string, size: number): FileEntry => ({ kind: 'file', digest, size, executable: false });

async function collect(data: AsyncIterable<Uint8Array> | null): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of data ?? []) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString();
}

describe('prefetch', () => {
  it('brings the small regular files among the paths, hashed on this side, nothing else', async () => {
    await writeFile(join(dir, 'a.txt'), 'edit a');
    await writeFile(join(dir, 'b.txt'), 'edit b');
    await writeFile(join(dir, 'big.bin'), Buffer.alloc(300 * 1024, 1));
    await mkdir(join(dir, 'sub'));
    await symlink('a.txt', join(dir, 'link'));
    const prefetched = await parsePrefetch(runScript(['a.txt', 'b.txt', 'big.bin', 'sub', 'link', 'missing']));
    expect([...prefetched.keys()]).toEqual(['a.txt', 'b.txt']);
    expect(prefetched.get('a.txt')).toEqual({ digest: sha('edit a'), bytes: Buffer.from('edit a') });
  });

  it('serves a read only when every file is there with exactly the expected digest', async () => {
    await writeFile(join(dir, 'a.txt'), 'edit a');
    await writeFile(join(dir, 'b.txt'), 'edit b');
    const prefetched = await parsePrefetch(runScript(['a.txt', 'b.txt']));
    const served = servePrefetched([{ path: 'b.txt', expected: entry(sha('edit b'), 6) }, { path: 'a.txt', expected: entry(sha('edit a'), 6) }], prefetched);
    expect(served?.map((f) => f.path)).toEqual(['b.txt', 'a.txt']);
    expect(await collect(served?.[0]?.data ?? null)).toBe('edit b');
    expect(servePrefetched([{ path: 'a.txt', expected: entry(sha('newer'), 5) }], prefetched)).toBeUndefined();
    expect(servePrefetched([{ path: 'a.txt', expected: entry(sha('edit a'), 6) }, { path: 'c.txt', expected: entry(sha('c'), 1) }], prefetched)).toBeUndefined();
  });

  it('a tar cut by the size cap keeps the entries completed before the cut', async () => {
    await writeFile(join(dir, 'a.txt'), 'small');
    await writeFile(join(dir, 'b.txt'), 'second');
    const tar = runScript(['a.txt', 'b.txt']);
    expect((await parsePrefetch(tar.subarray(0, 700))).get('a.txt')?.digest).toBe(sha('small'));
    expect((await parsePrefetch(tar.subarray(0, 300))).size).toBe(0);
  });

  it('one path: its bytes read by one head -c between two marks, never through a symlink, never a large file', async () => {
    const one = async (path: string) => parsePrefetchOutput(runScript([path]), [path], MARK);
    // Content that contains the mark itself: the closing mark is the last one.
    const tricky = `before${MARK}after`;
    await writeFile(join(dir, 'a.txt'), tricky);
    expect(await one('a.txt')).toEqual(new Map([['a.txt', { digest: sha(tricky), bytes: Buffer.from(tricky) }]]));
    await writeFile(join(dir, 'empty'), '');
    expect((await one('empty')).get('empty')?.digest).toBe(sha(''));
    await writeFile(join(dir, 'limit.bin'), Buffer.alloc(PREFETCH_BYTES, 2));
    expect((await one('limit.bin')).get('limit.bin')?.bytes.length).toBe(PREFETCH_BYTES);
    await writeFile(join(dir, 'big.bin'), Buffer.alloc(PREFETCH_BYTES + 1, 1));
    expect((await one('big.bin')).size).toBe(0);
    await mkdir(join(dir, 'sub'));
    await symlink('a.txt', join(dir, 'link'));
    for (const path of ['sub', 'link', 'missing']) expect((await one(path)).size).toBe(0);
    // Output cut before the closing mark (the agent lost): nothing.
    expect((await parsePrefetchOutput(Buffer.from('partial'), ['a.txt'], MARK)).size).toBe(0);
  });
});
