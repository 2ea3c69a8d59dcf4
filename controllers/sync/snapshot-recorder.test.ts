import { describe, expect, it } from 'vitest';
import type { Entry, Snapshot } from './endpoint.ts';
import { diffListing } from './scope.ts';
import { SnapshotRecorder } from './snapshot-recorder.ts';

const file = (digest: string, mtimeMs = 1): Entry => ({ kind: 'file', digest: digest.repeat(64), size: 1, executable: false, mtimeMs });

describe('SnapshotRecorder', () => {
  it('changes the map in place and reports exactly what diffListing finds against a copy taken before', () => {
    const entries: Snapshot = new Map([
      ['d', { kind: 'directory' }],
      ['d/a', file('a')],
      ['d/b', file('b')],
      ['c', file('c')],
      ['t', file('t')],
    ]);
    const before = new Map(entries);
    const recorder = new SnapshotRecorder(entries);
    recorder.set('d/a', file('a', 99)); // only the mtime: no change
    recorder.set('d/b', file('x'));
    recorder.delete('c');
    recorder.set('new', file('n'));
    recorder.delete('t');
    recorder.set('t', file('t')); // removed and put back equal: no change
    recorder.set('brief', file('q'));
    recorder.delete('brief'); // added and removed again: no change
    recorder.delete('absent');
    expect(recorder.entries).toBe(entries);
    const delta = recorder.delta(entries);
    expect(delta.base).toBe(entries);
    const expected = diffListing(before, entries);
    expect(delta.changed).toEqual(expected?.changed);
    expect(delta.removed).toEqual(expected?.removed);
    expect([...delta.changed.keys()].sort()).toEqual(['d/b', 'new']);
    expect(delta.changed.get('d/b')).toEqual(file('b'));
    expect(delta.changed.get('new')).toBeUndefined();
    expect([...delta.removed.keys()]).toEqual(['c']);
  });

  it('against a result without some of the paths, reports those as removed (or not added)', () => {
    const entries: Snapshot = new Map([
      ['keep', file('k')],
      ['link', { kind: 'symlink', target: 'keep' }],
    ]);
    const before = new Map(entries);
    const recorder = new SnapshotRecorder(entries);
    recorder.set('added-link', { kind: 'symlink', target: '..' });
    recorder.set('keep', file('z'));
    const result = new Map([...entries].filter(([path]) => path !== 'link' && path !== 'added-link'));
    const delta = recorder.delta(result);
    const expected = diffListing(before, result);
    expect(delta.changed).toEqual(expected?.changed);
    expect(delta.removed).toEqual(expected?.removed);
    expect([...delta.removed.keys()]).toEqual(['link']);
    expect([...delta.changed.keys()]).toEqual(['keep']);
  });
});
