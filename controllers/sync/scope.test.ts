import { describe, expect, it } from 'vitest';
import type { Entry, FileEntry, Snapshot } from './endpoint.ts';
import type { ConflictStrategy, SyncMode } from './engine-api.ts';
import { reconcile, type Change, type ReconcileResult } from './reconcile.ts';
import { cutTree, diffListing, diffPaths, liftRoots, mergeCut, minimalRoots } from './scope.ts';
import { indexSnapshot, stripEntry } from './tree.ts';

const file = (digest: string, executable = false): FileEntry => ({ kind: 'file', digest, size: digest.length, executable });
const dir: Entry = { kind: 'directory' };
const tree = (entries: Record<string, Entry>): Snapshot => new Map(Object.entries(entries));

describe('diffListing', () => {
  it('reports added, changed and removed paths; mtimes do not count', () => {
    const before = tree({ a: file('1'), b: file('2'), d: dir, 'd/x': file('3') });
    const after = tree({ a: { ...file('1'), mtimeMs: 5 }, b: file('9'), c: file('4'), d: dir });
    const diff = diffListing(before, after);
    expect(diff && [...diff.changed.keys()].sort()).toEqual(['b', 'c']);
    expect(diff?.changed.get('b')).toEqual(file('2'));
    expect(diff?.changed.get('c')).toBeUndefined();
    expect(diff && [...diff.removed.keys()]).toEqual(['d/x']);
  });

  it('gives up (undefined) above the limit', () => {
    const after = tree({ a: file('1'), b: file('2'), c: file('3') });
    expect(diffListing(new Map(), after, 2)).toBeUndefined();
    expect(diffListing(new Map(), after, 3)).toBeDefined();
  });
});

describe('roots and cuts', () => {
  it('minimalRoots drops covered paths and keeps siblings with common prefixes', () => {
    expect(minimalRoots(['a/b', 'a', 'a b', 'a b/c', 'ab', 'a/b/c'])).toEqual(['a', 'a b', 'ab']);
  });

  it('liftRoots lifts a root to the highest ancestor that is not a directory on both sides', () => {
    const alpha = tree({ d: dir, 'd/e': dir, 'd/e/f': file('1') });
    const beta = tree({ d: dir, 'd/e': file('2') });
    expect(liftRoots(['d/e/f', 'x/y'], alpha, beta)).toEqual(['d/e', 'x']);
    expect(liftRoots(['d/e/f'], alpha, alpha)).toEqual(['d/e/f']);
  });

  it('cutTree keeps each root, its ancestors and, for a directory root, its subtree', () => {
    const t = tree({ a: dir, 'a/b': dir, 'a/b/c': file('1'), 'a/b/d': file('2'), 'a/e': file('3'), f: file('4') });
    expect([...cutTree(t, ['a/b']).keys()].sort()).toEqual(['a', 'a/b', 'a/b/c', 'a/b/d']);
    expect([...cutTree(t, ['a/e', 'zz']).keys()].sort()).toEqual(['a', 'a/e']);
  });

  it('mergeCut deletes what left the cut and sets what changed, and says whether anything did', () => {
    const ancestor = tree({ a: dir, 'a/b': file('1'), 'a/c': file('2'), z: file('9') });
    const before = cutTree(ancestor, ['a']);
    const touched = new Set<string>();
    expect(mergeCut(ancestor, before, new Map(before), touched)).toBe(false);
    expect(touched.size).toBe(0);
    const after = tree({ a: dir, 'a/b': file('7'), 'a/n': file('8') });
    expect(mergeCut(ancestor, before, after, touched)).toBe(true);
    expect(ancestor).toEqual(tree({ a: dir, 'a/b': file('7'), 'a/n': file('8'), z: file('9') }));
    expect([...touched].sort()).toEqual(['a/b', 'a/c', 'a/n']);
  });
});

/** Small seeded PRNG (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = ['a', 'b', 'c'];

/** A random tree of depth ≤ 3 over a tiny alphabet (so both sides often touch the same paths). */
function randomTree(rnd: () => number): Snapshot {
  const out: Snapshot = new Map();
  const fill = (parent: string, depth: number): void => {
    for (const name of NAMES) {
      const r = rnd();
      const path = parent === '' ? name : `${parent}/${name}`;
      if (r < 0.3) continue;
      if (r < 0.55 && depth < 3) {
        out.set(path, dir);
        fill(path, depth + 1);
      } else if (r < 0.6) out.set(path, { kind: 'symlink', target: 'a' });
      else out.set(path, file(String(Math.floor(rnd() * 3)), rnd() < 0.1));
    }
  };
  fill('', 1);
  return out;
}

/** Random edits: files rewritten, paths deleted, retyped, created (the snapshot stays a tree). */
function edit(base: Snapshot, rnd: () => number, count: number): Snapshot {
  const out = new Map(base);
  const removeBelow = (path: string): void => {
    for (const p of [...out.keys()]) if (p === path || p.startsWith(`${path}/`)) out.delete(p);
  };
  for (let i = 0; i < count; i++) {
    const paths = [...out.keys()];
    const r = rnd();
    if (r < 0.35 && paths.length > 0) {
      const path = paths[Math.floor(rnd() * paths.length)] as string;
      if (out.get(path)?.kind === 'file') out.set(path, file(String(Math.floor(rnd() * 4)), rnd() < 0.2));
    } else if (r < 0.55 && paths.length > 0) {
      removeBelow(paths[Math.floor(rnd() * paths.length)] as string);
    } else if (r < 0.7 && paths.length > 0) {
      const path = paths[Math.floor(rnd() * paths.length)] as string;
      const wasDir = out.get(path)?.kind === 'directory';
      removeBelow(path);
      out.set(path, wasDir ? file(String(Math.floor(rnd() * 4))) : dir);
    } else {
      const dirs = ['', ...paths.filter((p) => out.get(p)?.kind === 'directory' && p.split('/').length < 3)];
      const parent = dirs[Math.floor(rnd() * dirs.length)] as string;
      const path = `${parent === '' ? '' : `${parent}/`}${NAMES[Math.floor(rnd() * NAMES.length)]}`;
      if (!out.has(path)) out.set(path, rnd() < 0.3 ? dir : file(String(Math.floor(rnd() * 4))));
    }
  }
  return out;
}

const noUntracked = { untracked: new Set<string>(), problems: new Set<string>() };

function run(ancestor: Snapshot, alpha: Snapshot, beta: Snapshot, mode: SyncMode, conflict: ConflictStrategy): ReconcileResult {
  return reconcile({ ancestor: indexSnapshot(ancestor), alpha: { tree: indexSnapshot(alpha), ...noUntracked }, beta: { tree: indexSnapshot(beta), ...noUntracked }, mode, conflict });
}

/** Applies every change as if each operation succeeded: the target subtree becomes the source's. */
function applyAll(side: Snapshot, ancestor: Snapshot, changes: readonly Change[]): void {
  for (const change of changes) {
    for (const p of change.old.keys()) side.delete(p);
    for (const p of [...ancestor.keys()]) if (p === change.path || p.startsWith(`${change.path}/`)) ancestor.delete(p);
    for (const [p, e] of change.new) {
      side.set(p, e);
      ancestor.set(p, stripEntry(e));
    }
  }
}

const describeChanges = (changes: readonly Change[]) => changes.map((c) => ({ path: c.path, old: [...c.old], new: [...c.new] }));

describe('a scoped reconciliation decides exactly what a whole one decides', () => {
  const modes: Array<[SyncMode, ConflictStrategy]> = [
    ['two-way-safe', 'manual'],
    ['two-way-safe', 'host-wins'],
    ['two-way-safe', 'container-wins'],
    ['two-way-resolved', 'manual'],
    ['one-way-safe', 'manual'],
    ['one-way-replica', 'manual'],
  ];
  it.each(modes)('%s / %s: 300 random rounds of edits on both sides', (mode, conflict) => {
    const rnd = random(mode.length * 31 + conflict.length);
    for (let round = 0; round < 300; round++) {
      // A settled state: a first cycle over diverged trees, every change applied; conflicts stay.
      const origin = randomTree(rnd);
      const alpha = edit(origin, rnd, 3);
      const beta = edit(origin, rnd, 3);
      const first = run(origin, alpha, beta, mode, conflict);
      const ancestor = first.ancestor;
      applyAll(alpha, ancestor, first.alphaChanges);
      applyAll(beta, ancestor, first.betaChanges);
      const pending = first.conflicts.map((c) => c.path);
      // New edits on both sides, then the same cycle whole and scoped.
      const alpha2 = edit(alpha, rnd, 1 + Math.floor(rnd() * 3));
      const beta2 = edit(beta, rnd, Math.floor(rnd() * 3));
      const whole = run(ancestor, alpha2, beta2, mode, conflict);
      const diffs = [diffListing(alpha, alpha2), diffListing(beta, beta2)];
      const roots = liftRoots(minimalRoots([...pending, ...diffs.flatMap((d) => diffPaths(d!))]), alpha2, beta2);
      const cutAncestor = cutTree(ancestor, roots);
      const scoped = roots.includes('') ? whole : run(cutAncestor, cutTree(alpha2, roots), cutTree(beta2, roots), mode, conflict);
      const merged = roots.includes('') ? whole.ancestor : new Map(ancestor);
      if (!roots.includes('')) mergeCut(merged, cutAncestor, scoped.ancestor);
      const context = { round, roots, alpha2: [...alpha2.keys()], beta2: [...beta2.keys()] };
      expect({ ...context, changes: describeChanges(scoped.alphaChanges) }).toEqual({ ...context, changes: describeChanges(whole.alphaChanges) });
      expect({ ...context, changes: describeChanges(scoped.betaChanges) }).toEqual({ ...context, changes: describeChanges(whole.betaChanges) });
      expect({ ...context, conflicts: scoped.conflicts }).toEqual({ ...context, conflicts: whole.conflicts });
      expect(new Map([...merged].sort())).toEqual(new Map([...whole.ancestor].sort()));
    }
  });
});
