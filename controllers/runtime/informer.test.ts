import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ResourceClient, WatchEvent } from '../../apis/client/types.ts';
import type { KubeObject } from '../../apis/meta.ts';
import { FakeClock } from './clock.ts';
import { runInformer, type InformerSource } from './informer.ts';
import { captureLogs, openTempStore, waitFor, workspaceObject, type TempStore } from './testing.ts';

let store: TempStore;
beforeEach(async () => {
  store = await openTempStore();
});
afterEach(async () => {
  await store.dispose();
});

/** The real store, except that each watch ends (as a server-side timeout would) after `limit` events. */
function watchEndingAfter(client: ResourceClient, limit: number): ResourceClient {
  return {
    get: (kind, namespace, name) => client.get(kind, namespace, name),
    list: (kind, options) => client.list(kind, options),
    create: (obj) => client.create(obj),
    update: (obj) => client.update(obj),
    updateStatus: (obj) => client.updateStatus(obj),
    apply: (obj, options) => client.apply(obj, options),
    delete: (kind, namespace, name, options) => client.delete(kind, namespace, name, options),
    close: () => client.close(),
    watch<T extends KubeObject>(kind: Parameters<ResourceClient['watch']>[0], options?: Parameters<ResourceClient['watch']>[1]) {
      const inner = client.watch<T>(kind, options);
      return {
        async *[Symbol.asyncIterator](): AsyncGenerator<WatchEvent<T>> {
          let count = 0;
          for await (const event of inner) {
            yield event;
            if (++count >= limit) return;
          }
        },
      };
    },
  };
}

describe('runInformer', () => {
  it('lists, watches, and relists after a watch that ends, reporting vanished objects', async () => {
    await store.client.create(workspaceObject('a'));
    const clock = new FakeClock();
    const { logger, lines } = captureLogs();
    const seen: [string, InformerSource][] = [];
    const stop = new AbortController();
    let firstList = false;
    const running = runInformer({
      client: watchEndingAfter(store.client, 1),
      kind: 'Workspace',
      clock,
      log: logger,
      signal: stop.signal,
      backoff: { random: () => 0.5 },
      onObject: (obj, source) => seen.push([obj.metadata.name, source]),
      onFirstList: () => (firstList = true),
    });
    await clock.advance(0);
    expect(firstList).toBe(true);
    expect(seen).toEqual([['a', 'initial']]);

    await store.client.create(workspaceObject('b')); // delivered, then the watch ends
    await waitFor(() => lines().some((l) => l['msg'] === 'watch ended; relisting'), 5000, 'the watch to end');
    expect(seen).toEqual([
      ['a', 'initial'],
      ['b', 'watch'],
    ]);
    await store.client.delete('Workspace', 'default', 'a'); // happens while no watch runs
    await clock.advance(199);
    expect(seen).toHaveLength(2);
    await clock.advance(1); // backoff over: relist
    expect(seen.slice(2)).toEqual([
      ['b', 'relist'],
      ['a', 'relist'], // vanished meanwhile: reported with its last known state
    ]);
    stop.abort();
    await running;
  });

  it('keeps retrying a failing list with backoff and reports the first failure', async () => {
    const clock = new FakeClock();
    let lists = 0;
    const failing: ResourceClient = {
      ...watchEndingAfter(store.client, 1),
      list: () => {
        lists += 1;
        return Promise.reject(new Error('database is locked'));
      },
    };
    const errors: unknown[] = [];
    const stop = new AbortController();
    const running = runInformer({
      client: failing,
      kind: 'Workspace',
      clock,
      log: captureLogs().logger,
      signal: stop.signal,
      backoff: { random: () => 0.5 },
      onObject: () => undefined,
      onFirstList: (err) => errors.push(err),
    });
    await clock.advance(0);
    expect(lists).toBe(1);
    expect(errors).toHaveLength(1);
    await clock.advance(200 + 400 + 800);
    expect(lists).toBe(4);
    expect(errors).toHaveLength(1);
    stop.abort();
    await running;
    expect(clock.pendingTimers()).toBe(0);
  });
});
