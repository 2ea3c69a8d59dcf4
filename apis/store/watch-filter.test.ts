import { describe, expect, it } from 'vitest';
import { compileLabelSelector } from '../client/label-selector.ts';
import type { WatchEventType } from '../client/types.ts';
import type { StoredEvent } from './tables.ts';
import { visibleType, watchEventFor } from './watch-filter.ts';

const web = compileLabelSelector('app=web');

describe('visibleType', () => {
  it.each<[WatchEventType, Record<string, string> | undefined, Record<string, string> | undefined, WatchEventType | undefined]>([
    ['ADDED', { app: 'web' }, undefined, 'ADDED'],
    ['ADDED', { app: 'db' }, undefined, undefined],
    ['DELETED', { app: 'web' }, undefined, 'DELETED'],
    ['DELETED', undefined, undefined, undefined],
    ['MODIFIED', { app: 'web' }, { app: 'web' }, 'MODIFIED'],
    ['MODIFIED', { app: 'web' }, { app: 'db' }, 'ADDED'],
    ['MODIFIED', { app: 'db' }, { app: 'web' }, 'DELETED'],
    ['MODIFIED', { app: 'db' }, {}, undefined],
  ])('%s now=%j before=%j → %s', (type, now, before, expected) => {
    expect(visibleType(type, web, now, before)).toBe(expected);
  });
});

describe('watchEventFor', () => {
  const row = (over: Partial<StoredEvent>): StoredEvent => ({
    rv: 7,
    kind: 'Workspace',
    namespace: 'default',
    type: 'MODIFIED',
    body: JSON.stringify({ apiVersion: 'v', kind: 'Workspace', metadata: { name: 'a', labels: { app: 'web' } } }),
    prevLabels: '{}',
    ...over,
  });
  const filter = { kind: 'Workspace', namespace: 'default', matchesLabels: web };

  it('turns a row into the event the watcher sees', () => {
    expect(watchEventFor(filter, row({}))).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'a' } } });
    expect(watchEventFor(filter, row({ prevLabels: '{"app":"web"}' }))?.type).toBe('MODIFIED');
  });

  it('skips other kinds and namespaces', () => {
    expect(watchEventFor(filter, row({ kind: 'PortBinding' }))).toBeUndefined();
    expect(watchEventFor(filter, row({ namespace: 'other' }))).toBeUndefined();
    expect(watchEventFor({ ...filter, namespace: undefined }, row({ namespace: 'other' }))).toBeDefined();
  });
});
