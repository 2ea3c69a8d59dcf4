import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ancestorPath, createFileAncestorStore, createMemoryAncestorStore, decodeAncestor, encodeAncestor } from './ancestor-store.ts';
import { AncestorEncoder } from './ancestor-encoder.ts';
import type { Snapshot } from './endpoint.ts';

const entries: Snapshot = new Map([
  ['src', { kind: 'directory' }],
  ['src/a.ts', { kind: 'file', digest: 'ab'.repeat(32), size: 12, executable: false, mtimeMs: 123 }],
  ['run.sh', { kind: 'file', digest: 'cd'.repeat(32), size: 3, executable: true }],
  ['link', { kind: 'symlink', target: 'src/a.ts' }],
]);

describe('file ancestor store', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('round-trips an ancestor without mtimes, creating its directory, leaving no temp file', async () => {
    dir = await mkdtemp(join(tmpdir(), 'boulder-anc-'));
    const path = ancestorPath(dir, 'session-1');
    expect(path).toBe(join(dir, 'sync', 'session-1', 'ancestor.json'));
    const store = createFileAncestorStore(path);
    expect(await store.load()).toBeUndefined();
    await store.save({ entries });
    const loaded = await store.load();
    expect(loaded?.entries.get('src/a.ts')).toEqual({ kind: 'file', digest: 'ab'.repeat(32), size: 12, executable: false });
    expect(loaded?.entries.get('link')).toEqual({ kind: 'symlink', target: 'src/a.ts' });
    expect(loaded?.entries.size).toBe(4);
    expect(await readdir(join(dir, 'sync', 'session-1'))).toEqual(['ancestor.json']);
    await store.save({ entries: new Map() });
    expect((await store.load())?.entries.size).toBe(0);
    await store.clear();
    expect(await store.load()).toBeUndefined();
    await store.clear();
  });

  it('treats a corrupt or foreign file as no ancestor (never as an empty tree to propagate from)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'boulder-anc-'));
    const path = join(dir, 'ancestor.json');
    await writeFile(path, '{"version":1,"entries":[["a","f"');
    expect(await createFileAncestorStore(path).load()).toBeUndefined();
    await writeFile(path, JSON.stringify({ version: 99, entries: [] }));
    expect(await createFileAncestorStore(path).load()).toBeUndefined();
  });

  it('encodes deterministically (sorted paths)', async () => {
    const text = encodeAncestor({ entries });
    expect(JSON.parse(text).entries.map((row: unknown[]) => row[0])).toEqual(['link', 'run.sh', 'src', 'src/a.ts']);
    expect(decodeAncestor(text)?.entries.get('run.sh')).toMatchObject({ executable: true });
    dir = await mkdtemp(join(tmpdir(), 'boulder-anc-'));
    await createFileAncestorStore(join(dir, 'x.json')).save({ entries });
    expect(await readFile(join(dir, 'x.json'), 'utf8')).toBe(text);
  });
});

describe('incremental ancestor encoding', () => {
  it('gives byte for byte the one-shot encoding across edits, additions, removals and retypes', () => {
    const tree: Snapshot = new Map(entries);
    const encoder = new AncestorEncoder();
    const same = (): void => expect(Buffer.concat(encoder.encode(tree)).toString()).toBe(encodeAncestor({ entries: tree }));
    same();
    tree.set('src/a.ts', { kind: 'file', digest: 'ef'.repeat(32), size: 12, executable: false });
    same();
    tree.set('src/a.ts', { kind: 'file', digest: 'ef'.repeat(32), size: 13, executable: true });
    same();
    tree.set('a-first', { kind: 'directory' });
    same();
    tree.delete('run.sh');
    same();
    tree.delete('link');
    tree.set('zz', { kind: 'symlink', target: 'src' });
    same();
    tree.set('zz', { kind: 'symlink', target: 'src/a.ts' });
    tree.set('src', { kind: 'file', digest: '01'.repeat(32), size: 1, executable: false });
    tree.delete('src/a.ts');
    same();
    tree.clear();
    same();
  });

  it('stays byte for byte the one-shot encoding over random rounds of small and large changes (chunks split, emptied, rebuilt)', () => {
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 48271) % 2147483647;
      return Math.floor((seed / 2147483647) * n);
    };
    const tree: Snapshot = new Map();
    // One encoder looks at every path, one only at the paths said to have changed.
    const everything = new AncestorEncoder(4);
    const told = new AncestorEncoder(4);
    for (let round = 0; round < 60; round++) {
      const changes = round % 10 === 0 ? 600 : 1 + random(40);
      const changed = new Set<string>();
      for (let i = 0; i < changes; i++) {
        const path = `d${random(30)}/f${random(200)}`;
        changed.add(path);
        const pick = random(4);
        if (pick === 0) tree.delete(path);
        else if (pick === 1) tree.set(path, { kind: 'symlink', target: `t${random(3)}` });
        else tree.set(path, { kind: 'file', digest: String(random(5)).repeat(64), size: random(3), executable: pick === 3 });
      }
      const expected = encodeAncestor({ entries: tree });
      expect(Buffer.concat(everything.encode(tree)).toString()).toBe(expected);
      expect(Buffer.concat(told.encode(tree, changed)).toString()).toBe(expected);
    }
    expect(tree.size).toBeGreaterThan(1000);
  });

  it('trusts a set of changed paths only for the map it encoded last', () => {
    const encoder = new AncestorEncoder();
    const first: Snapshot = new Map(entries);
    encoder.encode(first);
    const second: Snapshot = new Map(first);
    second.delete('run.sh');
    second.set('src/b.ts', { kind: 'directory' });
    // Another map: every path is looked at, whatever the set says.
    expect(Buffer.concat(encoder.encode(second, new Set())).toString()).toBe(encodeAncestor({ entries: second }));
  });
});

describe('memory ancestor store', () => {
  it('keeps a copy and counts saves', async () => {
    const store = createMemoryAncestorStore();
    await store.save({ entries });
    entries.set('later', { kind: 'directory' });
    expect((await store.load())?.entries.has('later')).toBe(false);
    entries.delete('later');
    expect(store.saves).toBe(1);
    await store.clear();
    expect(await store.load()).toBeUndefined();
  });
});
