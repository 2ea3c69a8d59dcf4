/**
 * The container scan (`scanContainer`) driven through a real `sh`, `find`, `stat` and `sha256sum`
 * on a host directory (as the container's agent runs its scripts): accelerated rescans update the
 * listing they returned in place and tell exactly how it changed.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ScanResult } from '../endpoint.ts';
import { ScanBasisLostError } from '../errors.ts';
import { createIgnoreMatcher } from '../ignore.ts';
import { diffListing } from '../scope.ts';
import { scanContainer, type ScanState } from './scan.ts';

let dir: string;
let state: ScanState;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'boulder-cscan-'));
  state = { digests: new Map(), previous: undefined, dirty: new Set(), prefetched: new Map() };
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ignore = createIgnoreMatcher([]);
const run = (script: string): Promise<Buffer> => Promise.resolve(execFileSync('sh', ['-c', script]));
const scan = (subtrees?: string[]): Promise<ScanResult> => scanContainer(dir, { ignore, ...(subtrees === undefined ? {} : { subtrees }) }, state, run);

/** The delta a scan reported equals the diff of the result against a copy of `before`. */
function expectExactDelta(result: ScanResult, base: ScanResult, before: ReadonlyMap<string, unknown>): void {
  expect(result.delta?.base).toBe(base.entries);
  const expected = diffListing(before as ScanResult['entries'], result.entries);
  expect(result.delta?.changed).toEqual(expected?.changed);
  expect(result.delta?.removed).toEqual(expected?.removed);
}

describe('container scan, listing updated in place', () => {
  it('an accelerated rescan changes the map it returned and reports exactly how; a full scan builds a new one', async () => {
    await mkdir(join(dir, 'd/e'), { recursive: true });
    await writeFile(join(dir, 'd/e/f.txt'), 'f');
    await writeFile(join(dir, 'a.txt'), 'a1');
    await writeFile(join(dir, 'gone.txt'), 'g');
    const first = await scan();
    const before = new Map(first.entries);
    await writeFile(join(dir, 'a.txt'), 'a2, longer');
    await rm(join(dir, 'gone.txt'));
    await rm(join(dir, 'd'), { recursive: true });
    await writeFile(join(dir, 'new.txt'), 'n');
    const second = await scan(['a.txt', 'gone.txt', 'd', 'new.txt']);
    expect(second.entries).toBe(first.entries);
    expectExactDelta(second, first, before);
    expect([...(second.delta?.changed.keys() ?? [])].sort()).toEqual(['a.txt', 'new.txt']);
    expect([...(second.delta?.removed.keys() ?? [])].sort()).toEqual(['d', 'd/e', 'd/e/f.txt', 'gone.txt']);
    const full = await scan();
    expect(full.entries).not.toBe(second.entries);
    expect(full.delta).toBeUndefined();
  });

  it('fails, and leaves the listing alone, when its basis was dropped during the scan (the agent restarted)', async () => {
    await writeFile(join(dir, 'a.txt'), 'a1');
    const first = await scan();
    const before = new Map(first.entries);
    await writeFile(join(dir, 'a.txt'), 'a2');
    const restarting = (script: string): Promise<Buffer> => {
      state.previous = undefined;
      return run(script);
    };
    await expect(scanContainer(dir, { ignore, subtrees: ['a.txt'] }, state, restarting)).rejects.toBeInstanceOf(ScanBasisLostError);
    expect(first.entries).toEqual(before);
  });

  it('a listing returned without its escaping symlinks is never changed afterwards', async () => {
    await mkdir(join(dir, 'd'));
    await writeFile(join(dir, 'd/f.txt'), 'f');
    const first = await scan();
    const before = new Map(first.entries);
    await symlink('..', join(dir, 'd/up'));
    await symlink('up/..', join(dir, 'd/x'));
    const second = await scan(['d/up', 'd/x']);
    expect(second.entries).not.toBe(first.entries);
    expect(second.entries.has('d/x')).toBe(false);
    expectExactDelta(second, first, before);
    const returned = new Map(second.entries);
    await rm(join(dir, 'd/x'));
    const third = await scan(['d/x']);
    expect(third.delta).toBeUndefined();
    expect(third.entries).not.toBe(second.entries);
    expect(second.entries).toEqual(returned);
  });
});
