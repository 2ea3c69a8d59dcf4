import { describe, expect, it } from 'vitest';
import { CycleMemory } from './cycle-memory.ts';
import type { Entry, ScanResult, Snapshot } from './endpoint.ts';
import { SnapshotRecorder } from './snapshot-recorder.ts';

const file = (digest: string): Entry => ({ kind: 'file', digest: digest.repeat(64), size: 1, executable: false });
const scanOf = (entries: Snapshot, delta?: ScanResult['delta']): ScanResult => ({ root: 'directory', entries, ignored: [], problems: [], limitExceeded: false, ...(delta === undefined ? {} : { delta }) });

describe('CycleMemory with listings updated in place', () => {
  it("takes a scan's delta when it is against the remembered map, and counts paths from it", () => {
    const alpha: Snapshot = new Map([['a', file('a')], ['gone', file('g')]]);
    const beta: Snapshot = new Map([['a', file('a')]]);
    const memory = new CycleMemory();
    memory.remember(alpha, beta, memory.filesTotal(alpha, beta, undefined), new Set());
    const recorder = new SnapshotRecorder(alpha);
    recorder.set('a', file('b'));
    recorder.set('new', file('n'));
    recorder.delete('gone');
    const diffs = memory.diff(scanOf(alpha, recorder.delta(alpha)), scanOf(new Map(beta)));
    expect([...(diffs?.alpha.changed.keys() ?? [])].sort()).toEqual(['a', 'new']);
    expect([...(diffs?.alpha.removed.keys() ?? [])]).toEqual(['gone']);
    expect(diffs?.beta.changed.size).toBe(0);
    // a, gone → a, new: still two paths (counting from the stale map would say one).
    expect(memory.filesTotal(alpha, beta, diffs)).toBe(2);
  });

  it('the remembered map again without a delta, or a delta against another map, is never trusted', () => {
    const alpha: Snapshot = new Map([['a', file('a')]]);
    const beta: Snapshot = new Map([['a', file('a')]]);
    const memory = new CycleMemory();
    memory.remember(alpha, beta, 1, new Set());
    alpha.set('a', file('z'));
    expect(memory.diff(scanOf(alpha), scanOf(new Map(beta)))).toBeUndefined();
    const other: Snapshot = new Map([['a', file('a')]]);
    const foreign = new SnapshotRecorder(other).delta(other);
    const fresh: Snapshot = new Map([['a', file('a')], ['b', file('b')]]);
    const diffs = memory.diff(scanOf(new Map(beta)), scanOf(fresh, foreign));
    expect([...(diffs?.beta.changed.keys() ?? [])]).toEqual(['b']);
  });
});
