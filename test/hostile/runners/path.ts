/**
 * Hostile corpus, category `path`: the one path validator (controllers/fs/relative-path.ts). Each
 * case names an `input` path and the expected code (`expect.code`) and message part
 * (`expect.error`). Besides the validator itself, the case writes a file at `input` through a
 * real local sync endpoint (the host side of every session) and proves with a tree snapshot that
 * nothing in or around the endpoint's root was written or changed.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { assertRelativePath, checkRelativePath, UnsafePathError } from '../../../controllers/fs/relative-path.ts';
import type { FileContent } from '../../../controllers/sync/endpoint.ts';
import { createLocalEndpoint } from '../../../controllers/sync/local/local-endpoint.ts';
import type { HostileCase } from '../corpus.ts';
import { diffSnapshots, snapshotTree } from '../tree-snapshot.ts';

/** Runs one `path` case (see the module comment). */
export async function run(c: HostileCase): Promise<void> {
  const input = c.spec['input'];
  if (typeof input !== 'string') throw new Error(`${c.dir}/case.yaml: input (string) is required`);
  const issue = checkRelativePath(input);
  if (c.expect.code !== undefined) expect(issue?.code).toBe(c.expect.code);
  let thrown: unknown;
  try {
    assertRelativePath(input);
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(UnsafePathError);
  if (c.expect.error !== undefined) expect((thrown as Error).message).toContain(c.expect.error);
  expect((thrown as Error).message).not.toMatch(/[\0\n\r]/);

  // The same path given to the writing side: refused, nothing written anywhere.
  const world = await mkdtemp(join(tmpdir(), 'boulder-hostile-path-'));
  try {
    await mkdir(join(world, 'root', 'a'), { recursive: true });
    await writeFile(join(world, 'neighbour.txt'), 'untouched');
    const before = snapshotTree(world);
    const bytes = Buffer.from('hostile');
    const digest = createHash('sha256').update(bytes).digest('hex');
    async function* contents(): AsyncIterable<FileContent> {
      yield { path: input as string, expected: { kind: 'file', digest, size: bytes.length, executable: false }, data: (async function* () { yield bytes; })() };
    }
    const endpoint = createLocalEndpoint(join(world, 'root'));
    const results = await endpoint.apply([{ op: 'write', path: input, expected: undefined, digest, size: bytes.length, executable: false, source: 'stream' }], contents());
    expect(results).toEqual([{ status: 'failed', message: expect.stringContaining('refused unsafe path') }]);
    await endpoint.close();
    expect(diffSnapshots(before, snapshotTree(world))).toEqual([]);
  } finally {
    await rm(world, { recursive: true, force: true });
  }
}
