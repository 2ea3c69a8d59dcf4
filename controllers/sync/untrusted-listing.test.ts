// Paths an endpoint reports are untrusted: a hostile listing halts the session before anything is
// applied, and the host side never writes through a symlinked parent.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { diffSnapshots, snapshotTree } from '../../test/hostile/tree-snapshot.ts';
import { createMemoryAncestorStore } from './ancestor-store.ts';
import type { Endpoint, FileContent, Operation } from './endpoint.ts';
import { createSyncEngine } from './engine.ts';
import { createLocalEndpoint } from './local/local-endpoint.ts';
import { createScriptedEndpoint } from '../../test/sync/scripted-endpoint.ts';

let world: string;
const root = (): string => join(world, 'root');
const outside = (): string => join(world, 'outside');

beforeEach(async () => {
  world = await mkdtemp(join(tmpdir(), 'boulder-untrusted-'));
  await mkdir(root());
  await mkdir(outside());
  await writeFile(join(outside(), 'precious.txt'), 'precious');
});
afterEach(async () => {
  await rm(world, { recursive: true, force: true });
});

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

async function* contentsOf(...items: Array<[string, string]>): AsyncIterable<FileContent> {
  for (const [path, text] of items) {
    yield { path, expected: { kind: 'file', digest: sha(text), size: text.length, executable: false }, data: (async function* () { yield Buffer.from(text); })() };
  }
}

describe('a fake endpoint reporting a hostile listing', () => {
  // The hostile entry comes first; its "parents" follow, so that an engine without the check would
  // reach it from the root (and write `world/x`, as the old code did).
  it.each([
    ['../x', 'PathEscapes', ['..']],
    ['a/../../x', 'PathEscapes', ['a/..', 'a/../..']],
  ])('%s: the session halts (unsafe-path, naming it) and nothing is written on either side', async (hostile, code, parents) => {
    const beta = createScriptedEndpoint('hostile', {
      entries: [
        { path: hostile, kind: 'file', content: 'escaped!' },
        { path: 'a', kind: 'directory' },
        { path: 'fine.txt', kind: 'file', content: 'fine' },
        ...parents.map((path) => ({ path, kind: 'directory' as const })),
      ],
    });
    const before = snapshotTree(world);
    const engine = createSyncEngine({ alpha: createLocalEndpoint(root()), beta, ancestorStore: createMemoryAncestorStore() });
    const result = await engine.runCycle();
    expect(existsSync(join(world, 'x'))).toBe(false);
    expect(result.halted?.message).toContain(JSON.stringify(hostile));
    expect(engine.status().halted?.reason).toBe('unsafe-path');
    expect(diffSnapshots(before, snapshotTree(world))).toEqual([]);
    expect(existsSync(join(world, 'x'))).toBe(false);
    expect(beta.applied).toEqual([]);
    expect(beta.reads).toEqual([]);
    // Still halted after a resume: the listing is checked again.
    engine.resume();
    expect((await engine.runCycle()).halted?.reason).toBe('unsafe-path');
    expect(diffSnapshots(before, snapshotTree(world))).toEqual([]);
    await engine.close();
  });

  it('a hostile alpha listing halts as well, and the local beta is left untouched', async () => {
    const alpha = createScriptedEndpoint('hostile', { entries: [{ path: '/etc/evil', kind: 'file', content: 'x' }] });
    const before = snapshotTree(world);
    const engine = createSyncEngine({ alpha, beta: createLocalEndpoint(root()), ancestorStore: createMemoryAncestorStore() });
    expect((await engine.runCycle()).halted).toMatchObject({ reason: 'unsafe-path', side: 'alpha', code: 'AbsolutePath' });
    expect(diffSnapshots(before, snapshotTree(world))).toEqual([]);
    await engine.close();
  });
});

describe('the host side never writes through a symlinked parent', () => {
  it('a parent replaced by a link to outside between scan and apply: the change does not arrive outside', async () => {
    const betaRoot = join(world, 'beta');
    await mkdir(join(betaRoot, 'sub'), { recursive: true });
    await writeFile(join(betaRoot, 'sub/new.txt'), 'from the container');
    await mkdir(join(root(), 'sub'));
    const local = createLocalEndpoint(root());
    const alpha: Endpoint = {
      ...local,
      name: local.name,
      async apply(ops, contents) {
        // The race: the host directory becomes a link to outside right before the writes.
        await rename(join(root(), 'sub'), join(root(), 'sub.moved'));
        await symlink('../outside', join(root(), 'sub'));
        return local.apply(ops, contents);
      },
    };
    const outsideBefore = snapshotTree(outside());
    const engine = createSyncEngine({ alpha, beta: createLocalEndpoint(betaRoot), ancestorStore: createMemoryAncestorStore() });
    const result = await engine.runCycle();
    expect(diffSnapshots(outsideBefore, snapshotTree(outside()))).toEqual([]);
    expect(existsSync(join(outside(), 'new.txt'))).toBe(false);
    expect(result.problems).toContainEqual(expect.objectContaining({ side: 'alpha', path: 'sub/new.txt', message: expect.stringContaining('parent "sub" is a symlink') }));
    expect(lstatSync(join(root(), 'sub')).isSymbolicLink()).toBe(true);
    await engine.close();
  });

  it('every operation of the local endpoint refuses a symlinked parent (outside stays unchanged)', async () => {
    await symlink(outside(), join(root(), 'sub'));
    const endpoint = createLocalEndpoint(root());
    const before = snapshotTree(world);
    const precious = { kind: 'file' as const, digest: sha('precious'), size: 8, executable: false };
    const ops: Operation[] = [
      { op: 'write', path: 'sub/new.txt', expected: undefined, digest: sha('evil'), size: 4, executable: false, source: 'stream' },
      { op: 'write', path: 'sub/precious.txt', expected: precious, digest: sha('evil'), size: 4, executable: false, source: 'stream' },
      { op: 'mkdir', path: 'sub/dir' },
      { op: 'symlink', path: 'sub/link', target: 'x', expected: undefined },
      { op: 'chmod', path: 'sub/precious.txt', executable: true, expected: precious },
      { op: 'remove', path: 'sub/precious.txt', expected: precious },
    ];
    const results = await endpoint.apply(ops, contentsOf(['sub/new.txt', 'evil'], ['sub/precious.txt', 'evil']));
    expect(results.map((r) => r.status)).toEqual(['changed', 'changed', 'changed', 'changed', 'changed', 'changed']);
    for (const r of results) expect(r).toMatchObject({ message: 'parent "sub" is a symlink (never followed)' });
    expect(diffSnapshots(before, snapshotTree(world))).toEqual([]);
    expect(await readFile(join(outside(), 'precious.txt'), 'utf8')).toBe('precious');
  });

  it('refuses an unsafe path outright, even when the engine is bypassed', async () => {
    const endpoint = createLocalEndpoint(root());
    const before = snapshotTree(world);
    const results = await endpoint.apply(
      [{ op: 'write', path: '../escaped.txt', expected: undefined, digest: sha('evil'), size: 4, executable: false, source: 'stream' }, { op: 'mkdir', path: '../d' }],
      contentsOf(['../escaped.txt', 'evil']),
    );
    expect(results).toEqual([
      { status: 'failed', message: 'refused unsafe path "../escaped.txt": a ".." component leaves the root' },
      { status: 'failed', message: 'refused unsafe path "../d": a ".." component leaves the root' },
    ]);
    expect(diffSnapshots(before, snapshotTree(world))).toEqual([]);
  });
});
