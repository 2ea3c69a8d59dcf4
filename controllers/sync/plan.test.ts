import { describe, expect, it } from 'vitest';
import type { Entry, Operation, OperationResult, Snapshot } from './endpoint.ts';
import { foldResults } from './fold.ts';
import { planSide } from './plan.ts';
import type { Change } from './reconcile.ts';
import { indexSnapshot } from './tree.ts';

const file = (digest: string, executable = false): Entry => ({ kind: 'file', digest, size: digest.length, executable });
const dir: Entry = { kind: 'directory' };
const snap = (entries: Array<[string, Entry]>): Snapshot => new Map(entries);
const summary = (ops: Operation[]): string[] =>
  ops.map((op) => {
    if (op.op === 'write') return `write ${op.path}${typeof op.source === 'object' ? ` <= ${op.source.copyFrom}` : ''}${op.expected ? ' (replace)' : ''}`;
    if (op.op === 'symlink') return `symlink ${op.path} -> ${op.target}${op.expected ? ' (replace)' : ''}`;
    if (op.op === 'chmod') return `chmod ${op.path} ${op.executable ? '+x' : '-x'}`;
    return `${op.op} ${op.path}`;
  });

describe('planSide', () => {
  it('replaces files in place, flips only the exec bit when the content is equal, swaps symlinks atomically', () => {
    const changes: Change[] = [
      { path: 'a', old: snap([['a', file('1')]]), new: snap([['a', file('2')]]) },
      { path: 'b', old: snap([['b', file('1')]]), new: snap([['b', file('1', true)]]) },
      { path: 'c', old: snap([['c', { kind: 'symlink', target: 'x' }]]), new: snap([['c', { kind: 'symlink', target: 'y' }]]) },
      { path: 'd', old: snap([['d', file('1')]]), new: snap([['d', { kind: 'symlink', target: 'y' }]]) },
    ];
    const plan = planSide(changes, { target: new Map() });
    expect(summary(plan.ops)).toEqual(['write a (replace)', 'chmod b +x', 'symlink c -> y (replace)', 'symlink d -> y (replace)']);
    expect(plan.reads.map((r) => r.path)).toEqual(['a']);
    expect(plan.bytes).toBe(1);
  });

  it('removes children first and creates parents first; type changes remove before creating', () => {
    const changes: Change[] = [
      {
        path: 'x',
        old: snap([['x', dir], ['x/a', file('a')], ['x/s', dir], ['x/s/b', file('b')]]),
        new: snap([['x', file('now-a-file')]]),
      },
      { path: 'n', old: new Map(), new: snap([['n', dir], ['n/m', dir], ['n/m/f', file('f')], ['n/l', { kind: 'symlink', target: 'm/f' }]]) },
    ];
    const plan = planSide(changes, { target: new Map() });
    expect(summary(plan.ops)).toEqual(['mkdir n', 'symlink n/l -> m/f', 'mkdir n/m', 'write n/m/f', 'remove x/s/b', 'remove x/s', 'remove x/a', 'remove x', 'write x']);
    expect(plan.owners).toEqual([1, 1, 1, 1, 0, 0, 0, 0, 0]);
  });

  it('copies content the target already holds (renames) before removing the old name', () => {
    const target = snap([['old.txt', file('same')], ['other.txt', file('o')]]);
    const changes: Change[] = [
      { path: 'old.txt', old: snap([['old.txt', file('same')]]), new: new Map() },
      { path: 'new.txt', old: new Map(), new: snap([['new.txt', file('same')]]) },
    ];
    const plan = planSide(changes, { target });
    expect(summary(plan.ops)).toEqual(['write new.txt <= old.txt', 'remove old.txt']);
    expect(plan.reads).toEqual([]);
    expect(plan.bytes).toBe(0);
  });

  it('never copies from a path the batch rewrites, nor (after removals) from one it removes', () => {
    const target = snap([['a', file('X')], ['gone', file('Y')], ['t', dir], ['t/y', file('Y')]]);
    const changes: Change[] = [
      { path: 'a', old: snap([['a', file('X')]]), new: snap([['a', file('Z')]]) },
      { path: 'b', old: new Map(), new: snap([['b', file('X')]]) },
      { path: 't', old: snap([['t', dir], ['t/y', file('Y')]]), new: snap([['t', file('Y')]]) },
    ];
    const plan = planSide(changes, { target });
    expect(summary(plan.ops)).toEqual(['write a (replace)', 'write b', 'remove t/y', 'remove t', 'write t <= gone']);
  });

  it('skips files above the size limit and reports them', () => {
    const changes: Change[] = [{ path: 'big', old: new Map(), new: snap([['big', { kind: 'file', digest: 'd', size: 5000, executable: false }]]) }];
    const plan = planSide(changes, { target: new Map(), maxFileSize: 1000 });
    expect(plan.ops).toEqual([]);
    expect(plan.tooLarge).toEqual([{ path: 'big', size: 5000 }]);
  });
});

describe('foldResults', () => {
  it('records exactly what was applied: a partly created directory, a failed removal', () => {
    const previous = indexSnapshot(snap([['gone', dir], ['gone/a', file('a')], ['gone/b', file('b')]]));
    const ancestor: Snapshot = new Map(previous.entries);
    const changes: Change[] = [
      { path: 'gone', old: snap([['gone', dir], ['gone/a', file('a')], ['gone/b', file('b')]]), new: new Map() },
      { path: 'new', old: new Map(), new: snap([['new', dir], ['new/ok', file('ok')], ['new/torn', file('t')]]) },
    ];
    const plan = planSide(changes, { target: new Map() });
    expect(summary(plan.ops)).toEqual(['mkdir new', 'write new/ok', 'write new/torn', 'remove gone/b', 'remove gone/a', 'remove gone']);
    const results: OperationResult[] = [
      { status: 'ok' },
      { status: 'ok' },
      { status: 'source-changed', message: 'torn' },
      { status: 'ok' },
      { status: 'changed', message: 'edited meanwhile' },
      { status: 'changed', message: 'not empty' },
    ];
    const counts = foldResults(ancestor, previous, changes, plan.ops, plan.owners, results);
    expect(counts).toEqual({ applied: 3, refused: 3, failed: 0 });
    expect([...ancestor.keys()].sort()).toEqual(['gone', 'gone/a', 'new', 'new/ok']);
  });

  it('leaves the ancestor alone when the endpoint broke (no results)', () => {
    const previous = indexSnapshot(snap([['f', file('1')]]));
    const ancestor: Snapshot = new Map(previous.entries);
    const changes: Change[] = [{ path: 'f', old: snap([['f', file('1')]]), new: snap([['f', file('2')]]) }];
    const plan = planSide(changes, { target: new Map() });
    foldResults(ancestor, previous, changes, plan.ops, plan.owners, undefined);
    expect(ancestor.get('f')).toEqual(file('1'));
  });

  it('a chmod keeps the digest and takes the new bit; mtimes are not stored', () => {
    const previous = indexSnapshot(snap([['s', file('x')]]));
    const ancestor: Snapshot = new Map(previous.entries);
    const changes: Change[] = [{ path: 's', old: snap([['s', file('x')]]), new: snap([['s', { ...file('x', true), mtimeMs: 5 } as Entry]]) }];
    const plan = planSide(changes, { target: new Map() });
    foldResults(ancestor, previous, changes, plan.ops, plan.owners, [{ status: 'ok', entry: { ...file('x', true), mtimeMs: 9 } as Entry }]);
    expect(ancestor.get('s')).toEqual(file('x', true));
  });
});
