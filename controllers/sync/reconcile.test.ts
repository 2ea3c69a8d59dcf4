import { describe, expect, it } from 'vitest';
import type { Entry, Snapshot } from './endpoint.ts';
import type { ConflictStrategy, SyncMode, SyncSide } from './engine-api.ts';
import { describeChange, reconcile, type Change, type ReconcileResult } from './reconcile.ts';
import { indexSnapshot } from './tree.ts';

/**
 * Builds a snapshot from a compact spec: `'dir/'` is a directory, `'name': '->target'` a symlink,
 * `'name*': 'content'` an executable file, `'name': 'content'` a file (the content stands in for
 * its digest). Parent directories are added.
 */
function snap(spec: Record<string, string | null> = {}): Snapshot {
  const out: Snapshot = new Map();
  const addParents = (path: string): void => {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) out.set(parts.slice(0, i).join('/'), { kind: 'directory' });
  };
  for (const [rawKey, value] of Object.entries(spec)) {
    if (rawKey.endsWith('/')) {
      const path = rawKey.slice(0, -1);
      addParents(path);
      out.set(path, { kind: 'directory' });
      continue;
    }
    const executable = rawKey.endsWith('*');
    const path = executable ? rawKey.slice(0, -1) : rawKey;
    addParents(path);
    const entry: Entry =
      value !== null && value.startsWith('->')
        ? { kind: 'symlink', target: value.slice(2) }
        : { kind: 'file', digest: value ?? '', size: (value ?? '').length, executable };
    out.set(path, entry);
  }
  return out;
}

interface Case {
  ancestor?: Snapshot;
  alpha?: Snapshot;
  beta?: Snapshot;
  mode?: SyncMode;
  conflict?: ConflictStrategy;
  alphaUntracked?: string[];
  betaUntracked?: string[];
  alphaProblems?: string[];
  betaProblems?: string[];
  resolutions?: Array<[string, SyncSide]>;
}

function run(c: Case): ReconcileResult {
  const side = (tree: Snapshot | undefined, untracked: string[] = [], problems: string[] = []) => ({
    tree: indexSnapshot(tree ?? snap()),
    untracked: new Set([...untracked, ...problems]),
    problems: new Set(problems),
  });
  return reconcile({
    ancestor: indexSnapshot(c.ancestor ?? snap()),
    alpha: side(c.alpha, c.alphaUntracked, c.alphaProblems),
    beta: side(c.beta, c.betaUntracked, c.betaProblems),
    mode: c.mode ?? 'two-way-safe',
    conflict: c.conflict ?? 'manual',
    resolutions: new Map(c.resolutions ?? []),
  });
}

/** A change as `path: old → new` with the subtrees' paths, for compact assertions. */
function show(changes: Change[]): string[] {
  const describe = (s: Snapshot, path: string): string => {
    const e = s.get(path);
    if (e === undefined) return 'none';
    if (e.kind === 'file') return `file:${e.digest}${e.executable ? '*' : ''}`;
    if (e.kind === 'symlink') return `link:${e.target}`;
    return `dir{${[...s.keys()].filter((k) => k !== path).sort().join(',')}}`;
  };
  return changes.map((c) => `${c.path}: ${describe(c.old, c.path)} → ${describe(c.new, c.path)}`);
}

const ancestorOf = (r: ReconcileResult): Record<string, string> =>
  Object.fromEntries([...r.ancestor].sort().map(([p, e]) => [p, e.kind === 'file' ? e.digest : e.kind === 'symlink' ? `->${e.target}` : '/']));

describe('reconcile, two-way-safe (Mutagen §1.4 table)', () => {
  it('copies a one-sided edit (R3)', () => {
    const r = run({ ancestor: snap({ f: 'v1' }), alpha: snap({ f: 'v2' }), beta: snap({ f: 'v1' }) });
    expect(show(r.betaChanges)).toEqual(['f: file:v1 → file:v2']);
    expect(r.alphaChanges).toEqual([]);
    expect(r.conflicts).toEqual([]);
    expect(ancestorOf(r)).toEqual({ f: 'v1' });
  });

  it('lists differing edits as a conflict and changes nothing (R6)', () => {
    const r = run({ ancestor: snap({ f: 'v1' }), alpha: snap({ f: 'v2' }), beta: snap({ f: 'v3' }) });
    expect(r.conflicts).toEqual([{ path: 'f', type: 'both-modified', alpha: 'modified file', beta: 'modified file' }]);
    expect(r.alphaChanges).toEqual([]);
    expect(r.betaChanges).toEqual([]);
    expect(ancestorOf(r)).toEqual({ f: 'v1' });
  });

  it('adopts identical edits, creations and deletions silently (R2)', () => {
    const r = run({ ancestor: snap({ f: 'v1', gone: 'x' }), alpha: snap({ f: 'v2', n: 'same' }), beta: snap({ f: 'v2', n: 'same' }) });
    expect(r.alphaChanges).toEqual([]);
    expect(r.betaChanges).toEqual([]);
    expect(r.conflicts).toEqual([]);
    expect(ancestorOf(r)).toEqual({ f: 'v2', n: 'same' });
  });

  it('different creations of the same path conflict; creations elsewhere propagate', () => {
    const r = run({ alpha: snap({ n: 'x', a: 'a' }), beta: snap({ n: 'y', b: 'b' }) });
    expect(r.conflicts).toEqual([{ path: 'n', type: 'both-created', alpha: 'created file', beta: 'created file' }]);
    expect(show(r.betaChanges)).toEqual(['a: none → file:a']);
    expect(show(r.alphaChanges)).toEqual(['b: none → file:b']);
  });

  it('modification beats deletion, both ways (R5)', () => {
    const r = run({ ancestor: snap({ f: 'v1', g: 'w1' }), alpha: snap({ f: 'v2' }), beta: snap({ g: 'w2' }) });
    expect(show(r.betaChanges)).toEqual(['f: none → file:v2']);
    expect(show(r.alphaChanges)).toEqual(['g: none → file:w2']);
  });

  it('a file against a directory created on both sides conflicts', () => {
    const r = run({ alpha: snap({ x: 'file' }), beta: snap({ 'x/': null }) });
    expect(r.conflicts).toEqual([{ path: 'x', type: 'both-created', alpha: 'created file', beta: 'created directory' }]);
  });

  it('propagates a type change against an unchanged side, conflicts against a modified one', () => {
    const toDir = run({ ancestor: snap({ x: 'v1' }), alpha: snap({ 'x/in': 'i' }), beta: snap({ x: 'v1' }) });
    expect(show(toDir.betaChanges)).toEqual(['x: file:v1 → dir{x/in}']);
    const clash = run({ ancestor: snap({ x: 'v1' }), alpha: snap({ 'x/in': 'i' }), beta: snap({ x: 'v2' }) });
    expect(clash.conflicts).toEqual([{ path: 'x', type: 'both-modified', alpha: 'replaced file with directory', beta: 'modified file' }]);
  });

  it('re-creates a whole deleted directory when the other side added to it (R5)', () => {
    const r = run({ ancestor: snap({ 'd/a': 'a', 'd/b': 'b' }), alpha: snap({ keep: 'k' }), beta: snap({ 'd/a': 'a', 'd/b': 'b', 'd/c': 'c', keep: 'k' }) });
    expect(show(r.alphaChanges)).toEqual(['d: none → dir{d/a,d/b,d/c}']);
  });

  it('finishes a deletion when both sides only deleted (R4)', () => {
    const r = run({ ancestor: snap({ 'd/a': 'a', 'd/b': 'b' }), alpha: snap(), beta: snap({ 'd/a': 'a' }) });
    expect(show(r.betaChanges)).toEqual(['d: dir{d/a} → none']);
    expect(r.conflicts).toEqual([]);
  });

  it('a deletion blocked by ignored content on the other side is a conflict', () => {
    const r = run({ ancestor: snap({ 'd/a': 'a', k: 'k' }), alpha: snap({ k: 'k' }), beta: snap({ 'd/a': 'a', k: 'k' }), betaUntracked: ['d/ignored.log'] });
    expect(r.conflicts).toEqual([{ path: 'd', type: 'deletion-blocked', alpha: 'deleted', beta: 'unchanged' }]);
    expect(r.betaChanges).toEqual([]);
  });

  it('an ignored directory where a file should go blocks it too', () => {
    const r = run({ alpha: snap({ build: 'file' }), beta: snap(), betaUntracked: ['build'] });
    expect(r.conflicts.map((c) => [c.path, c.type])).toEqual([['build', 'deletion-blocked']]);
  });

  it('an exec bit flip is a change; symlink targets are compared', () => {
    const r = run({ ancestor: snap({ s: 'x', l: '->a' }), alpha: snap({ 's*': 'x', l: '->a' }), beta: snap({ s: 'x', l: '->b' }) });
    expect(show(r.betaChanges)).toEqual(['s: file:x → file:x*']);
    expect(show(r.alphaChanges)).toEqual(['l: link:a → link:b']);
  });

  it('leaves problematic paths alone, ancestor included (R0)', () => {
    const r = run({ ancestor: snap({ f: 'v1' }), alpha: snap({ f: 'v2' }), beta: snap(), betaProblems: ['f'] });
    expect(r.betaChanges).toEqual([]);
    expect(r.alphaChanges).toEqual([]);
    expect(ancestorOf(r)).toEqual({ f: 'v1' });
  });

  it('drops ancestor entries gone from both sides, including now-ignored ones (R1)', () => {
    const r = run({ ancestor: snap({ 'd/x': 'x', f: 'f' }), alpha: snap({ f: 'f' }), beta: snap({ f: 'f' }), alphaUntracked: ['d'] });
    expect(ancestorOf(r)).toEqual({ f: 'f' });
    expect(r.alphaChanges).toEqual([]);
    expect(r.betaChanges).toEqual([]);
  });

  it('recurses into agreeing directories and settles each child', () => {
    const r = run({
      ancestor: snap({ 'src/a': '1', 'src/b': '2' }),
      alpha: snap({ 'src/a': '1x', 'src/b': '2' }),
      beta: snap({ 'src/a': '1', 'src/c': '3' }),
    });
    expect(show(r.betaChanges)).toEqual(['src/a: file:1 → file:1x']);
    expect(show(r.alphaChanges)).toEqual(['src/b: file:2 → none', 'src/c: none → file:3']);
  });

  it('a file replacing a directory on both sides drops the old children from the ancestor', () => {
    const r = run({ ancestor: snap({ 'x/a': 'a' }), alpha: snap({ x: 'f' }), beta: snap({ x: 'f' }) });
    expect(ancestorOf(r)).toEqual({ x: 'f' });
  });
});

describe('reconcile, strategies and modes', () => {
  const edits = { ancestor: snap({ f: 'v1' }), alpha: snap({ f: 'v2' }), beta: snap({ f: 'v3' }) };

  it('host-wins and two-way-resolved copy alpha over beta; container-wins copies beta over alpha', () => {
    expect(show(run({ ...edits, conflict: 'host-wins' }).betaChanges)).toEqual(['f: file:v3 → file:v2']);
    expect(show(run({ ...edits, mode: 'two-way-resolved' }).betaChanges)).toEqual(['f: file:v3 → file:v2']);
    expect(show(run({ ...edits, conflict: 'container-wins' }).alphaChanges)).toEqual(['f: file:v2 → file:v3']);
  });

  it('a resolution picks the winner for that path only', () => {
    const r = run({
      ancestor: snap({ f: 'v1', g: 'w1' }),
      alpha: snap({ f: 'v2', g: 'w2' }),
      beta: snap({ f: 'v3', g: 'w3' }),
      resolutions: [['f', 'beta']],
    });
    expect(show(r.alphaChanges)).toEqual(['f: file:v2 → file:v3']);
    expect(r.conflicts.map((c) => c.path)).toEqual(['g']);
  });

  it('a winner still cannot delete ignored content', () => {
    const r = run({ ancestor: snap({ 'd/a': 'a' }), alpha: snap({ d: 'file now' }), beta: snap({ 'd/a': 'changed' }), betaUntracked: ['d/x.log'], conflict: 'host-wins' });
    expect(r.conflicts.map((c) => c.type)).toEqual(['deletion-blocked']);
  });

  it('one-way-safe: beta-only content stays untracked, beta edits conflict, alpha deletions propagate', () => {
    const r = run({
      mode: 'one-way-safe',
      ancestor: snap({ edited: 'e1', plain: 'p', 'dir/a': 'a' }),
      alpha: snap({ edited: 'e2', 'dir/a': 'a', n: 'new' }),
      beta: snap({ edited: 'e3', plain: 'p', 'dir/a': 'a', 'dir/own': 'o', own: 'o' }),
    });
    expect(show(r.betaChanges)).toEqual(['n: none → file:new', 'plain: file:p → none']);
    expect(r.alphaChanges).toEqual([]);
    expect(r.conflicts.map((c) => c.path)).toEqual(['edited']);
    expect(ancestorOf(r)).toEqual({ dir: '/', 'dir/a': 'a', edited: 'e1', plain: 'p' });
  });

  it('one-way-safe: beta edits alpha deleted are kept; a directory alpha deleted but beta added to conflicts', () => {
    const r = run({
      mode: 'one-way-safe',
      ancestor: snap({ f: 'v1', 'd/a': 'a' }),
      alpha: snap(),
      beta: snap({ f: 'v2', 'd/a': 'a', 'd/b': 'b' }),
    });
    expect(r.betaChanges).toEqual([]);
    expect(r.conflicts.map((c) => c.path)).toEqual(['d']);
    expect(ancestorOf(r)).toEqual({ d: '/', 'd/a': 'a' });
    const hostWins = run({ mode: 'one-way-safe', conflict: 'host-wins', ancestor: snap({ f: 'v1' }), alpha: snap({ f: 'v2' }), beta: snap({ f: 'v3' }) });
    expect(show(hostWins.betaChanges)).toEqual(['f: file:v3 → file:v2']);
    const containerWins = run({ mode: 'one-way-safe', conflict: 'container-wins', ancestor: snap({ f: 'v1' }), alpha: snap({ f: 'v2' }), beta: snap({ f: 'v3' }) });
    expect(containerWins.betaChanges).toEqual([]);
    expect(containerWins.conflicts).toEqual([]);
  });

  it('one-way-replica: beta becomes alpha, except where ignored content blocks it', () => {
    const r = run({
      mode: 'one-way-replica',
      ancestor: snap({ f: 'v1' }),
      alpha: snap({ f: 'v1', a: 'a' }),
      beta: snap({ f: 'v9', extra: 'x', 'keep/a': 'a' }),
      betaUntracked: ['keep/ignored.log'],
    });
    expect(show(r.betaChanges)).toEqual(['a: none → file:a', 'extra: file:x → none', 'f: file:v9 → file:v1']);
    expect(r.conflicts.map((c) => [c.path, c.type])).toEqual([['keep', 'deletion-blocked']]);
  });
});

describe('describeChange', () => {
  const A = indexSnapshot(snap({ f: 'v1', 'd/a': 'a', l: '->x', e: 'e' }));
  it.each([
    [snap({ f: 'v1' }), 'f', 'unchanged'],
    [snap({ f: 'v2' }), 'f', 'modified file'],
    [snap(), 'f', 'deleted'],
    [snap({ n: 'n' }), 'n', 'created file'],
    [snap({ 'f/': null }), 'f', 'replaced file with directory'],
    [snap({ 'e*': 'e' }), 'e', 'changed executable bit'],
    [snap({ l: '->y' }), 'l', 'changed symlink target'],
    [snap({ 'd/a': 'a', 'd/b': 'b' }), 'd', 'modified directory content'],
    [snap({ 'd/': null }), 'd', 'deleted directory content'],
  ])('%#: %s', (side, path, expected) => {
    expect(describeChange(A, indexSnapshot(side), path)).toBe(expected);
  });
});
