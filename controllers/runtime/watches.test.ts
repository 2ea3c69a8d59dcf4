/**
 * The declared watches of the runtime on a fake clock: `owns` and `watches(kind, mapFn)` share one
 * informer per kind, a map reads the manager's cache, every enqueue carries its cause into the
 * reconcile's log line, hints dispatch like events, and what is long-running (runnables,
 * `longRunningOnly` controllers) runs only under `start`.
 */
import { describe, expect, it } from 'vitest';
import type { KindName } from '../../apis/kinds.ts';
import type { KubeObject } from '../../apis/meta.ts';
import type { ResourceClient } from '../../apis/client/types.ts';
import { FakeClock } from './clock.ts';
import type { Reconciler } from './controller.ts';
import { Manager } from './manager.ts';
import { captureLogs, useTempStoreAndManagers, portBindingObject, waitFor, workspaceObject } from './testing.ts';
import { ObjectCache, watches, type CachedObjects } from './watches.ts';

const START = new Date('2025-01-01T00:00:00Z');

const ctx = useTempStoreAndManagers();

/** `client` counting the watches it opened, per kind. */
function countingWatches(client: ResourceClient): { client: ResourceClient; watched: Map<KindName, number> } {
  const watched = new Map<KindName, number>();
  const counting = new Proxy(client, {
    get(target, prop, receiver) {
      if (prop === 'watch') {
        return (kind: KindName, options: unknown) => {
          watched.set(kind, (watched.get(kind) ?? 0) + 1);
          return target.watch(kind, options as Parameters<ResourceClient['watch']>[1]);
        };
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { client: counting, watched };
}

function newManager(client: ResourceClient = ctx.store.client) {
  const clock = new FakeClock(START);
  const logs = captureLogs();
  const manager = new Manager({ client, clock, logger: logs.logger, watchBackoff: { random: () => 0.5 } });
  ctx.managers.push(manager);
  const summaries = (kind: string): Record<string, unknown>[] => logs.lines().filter((l) => l['msg'] === 'reconciled' && l['kind'] === kind);
  return { clock, manager, summaries };
}

function recording(): { seen: string[]; reconcile: Reconciler } {
  const seen: string[] = [];
  return { seen, reconcile: (req) => Promise.resolve(void seen.push(req.name)) };
}

/** The PortBinding keys of the bindings of `ws`, read from the cache. */
const bindingsOf = (ws: KubeObject, cache: CachedObjects) =>
  cache
    .list<KubeObject & { spec: { workspace: string } }>('PortBinding')
    .filter((pb) => pb.spec.workspace === ws.metadata.name)
    .map((pb) => ({ key: `default/${pb.metadata.name}`, reason: `binding of workspace ${ws.metadata.name}` }));

describe('owns and watches', () => {
  it('one informer per kind serves the owner, the owned kind and every watcher of it', async () => {
    const { client, watched } = countingWatches(ctx.store.client);
    const { clock, manager } = newManager(client);
    manager.add({ kind: 'Workspace', owns: ['PortBinding'], reconcile: recording().reconcile });
    manager.add({ kind: 'PortBinding', watches: [watches('Workspace', bindingsOf)], reconcile: recording().reconcile });
    manager.add({ kind: 'SyncSession', watches: [watches('Workspace', () => [])], reconcile: recording().reconcile });
    await manager.start();
    await clock.advance(0);
    await waitFor(() => watched.size === 3, 5000, 'three watches');
    expect(Object.fromEntries(watched)).toEqual({ Workspace: 1, PortBinding: 1, SyncSession: 1 });
  });

  it('a watched object\'s event enqueues what the map reads from the cache, with its cause in the log', async () => {
    const ws = await ctx.store.client.create(workspaceObject('a'));
    await ctx.store.client.create(portBindingObject('a-web', 'a'));
    await ctx.store.client.create(portBindingObject('b-web', 'b'));
    const { clock, manager, summaries } = newManager();
    const bindings = recording();
    manager.add({ kind: 'PortBinding', watches: [watches('Workspace', bindingsOf)], reconcile: bindings.reconcile });
    await manager.start();
    await clock.advance(0);
    expect(bindings.seen.sort()).toEqual(['a-web', 'b-web']);

    await ctx.store.client.update({ ...ws, metadata: { ...ws.metadata, labels: { changed: 'yes' } } });
    await waitFor(() => bindings.seen.length === 3, 5000, 'the watched workspace mapped to its binding');
    await clock.advance(0);
    expect(bindings.seen[2]).toBe('a-web');
    const last = summaries('PortBinding').at(-1);
    expect(last).toMatchObject({ key: 'default/a-web', trigger: 'watch', cause: 'watched Workspace default/a: binding of workspace a' });
  });

  it('an owned object\'s event enqueues its owner with the cause', async () => {
    const ws = await ctx.store.client.create(workspaceObject('o'));
    const { clock, manager, summaries } = newManager();
    const owners = recording();
    manager.add({ kind: 'Workspace', owns: ['PortBinding'], reconcile: owners.reconcile });
    await manager.start();
    await clock.advance(0);
    await ctx.store.client.create(portBindingObject('o-web', 'o', ws));
    await waitFor(() => owners.seen.length === 2, 5000, 'the owner woken by its binding');
    await clock.advance(0);
    expect(summaries('Workspace').at(-1)).toMatchObject({ key: 'default/o', trigger: 'owned', cause: 'owned PortBinding default/o-web' });
  });

  it('a hint dispatches the cached object like an event, with the hint as the cause', async () => {
    await ctx.store.client.create(workspaceObject('h'));
    await ctx.store.client.create(portBindingObject('h-web', 'h'));
    const { clock, manager, summaries } = newManager();
    const bindings = recording();
    const workspaces = recording();
    manager.add({ kind: 'Workspace', reconcile: workspaces.reconcile });
    manager.add({ kind: 'PortBinding', watches: [watches('Workspace', bindingsOf)], reconcile: bindings.reconcile });
    await manager.start();
    await clock.advance(0);
    manager.hint('Workspace', 'default/h', 'drift hint: die');
    await clock.advance(0);
    expect(workspaces.seen).toEqual(['h', 'h']);
    expect(bindings.seen).toEqual(['h-web', 'h-web']);
    expect(summaries('PortBinding').at(-1)).toMatchObject({ trigger: 'watch', cause: 'watched Workspace default/h (drift hint: die): binding of workspace h' });
    expect(summaries('Workspace').at(-1)).toMatchObject({ trigger: 'watch', cause: 'drift hint: die' });
  });

  it('a map that throws maps to nothing and the informer keeps going', async () => {
    await ctx.store.client.create(workspaceObject('t'));
    const { clock, manager } = newManager();
    const workspaces = recording();
    manager.add({ kind: 'Workspace', reconcile: workspaces.reconcile });
    manager.add({ kind: 'PortBinding', watches: [watches('Workspace', () => { throw new Error('boom'); })], reconcile: recording().reconcile });
    await manager.start();
    await clock.advance(0);
    expect(workspaces.seen).toEqual(['t']);
  });

  it('runUntilIdle honours watches, mapping with every kind already listed', async () => {
    await ctx.store.client.create(workspaceObject('once'));
    const { manager } = newManager();
    let mappedWith: string[] | undefined;
    const bindings = recording();
    manager.add({ kind: 'Workspace', reconcile: recording().reconcile });
    manager.add({
      kind: 'PortBinding',
      watches: [
        watches('Workspace', (ws, cache) => {
          mappedWith ??= cache.list('PortBinding').map((pb) => pb.metadata.name);
          return bindingsOf(ws, cache);
        }),
      ],
      reconcile: bindings.reconcile,
    });
    await ctx.store.client.create(portBindingObject('once-web', 'once'));
    await manager.runUntilIdle({ timeoutMs: 10_000 });
    expect(mappedWith).toEqual(['once-web']);
    expect(bindings.seen).toContain('once-web');
  });
});

describe('long-running work', () => {
  it('runnables run while the manager is started and end at stop', async () => {
    const { clock, manager } = newManager();
    const events: string[] = [];
    manager.addRunnable('pump', async (signal) => {
      events.push('started');
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      events.push('stopped');
    });
    manager.add({ kind: 'Workspace', reconcile: recording().reconcile });
    expect(manager.mode()).toBe('new');
    await manager.start();
    await clock.advance(0);
    expect(manager.mode()).toBe('started');
    expect(events).toEqual(['started']);
    await manager.stop();
    expect(events).toEqual(['started', 'stopped']);
    expect(manager.mode()).toBe('started');
  });

  it('runUntilIdle runs no runnable and leaves longRunningOnly kinds alone', async () => {
    await ctx.store.client.create(workspaceObject('w'));
    await ctx.store.client.create(portBindingObject('w-web', 'w'));
    const { manager } = newManager();
    let ran = false;
    manager.addRunnable('pump', () => Promise.resolve(void (ran = true)));
    const workspaces = recording();
    const bindings = recording();
    manager.add({ kind: 'Workspace', reconcile: workspaces.reconcile });
    manager.add({ kind: 'PortBinding', longRunningOnly: true, reconcile: bindings.reconcile });
    await manager.runUntilIdle({ timeoutMs: 10_000 });
    expect(manager.mode()).toBe('once');
    expect(workspaces.seen).toEqual(['w']);
    expect(bindings.seen).toEqual([]);
    expect(ran).toBe(false);
  });
});

describe('ObjectCache', () => {
  it('keeps the latest state per kind and forgets deleted objects', () => {
    const cache = new ObjectCache();
    const a = workspaceObject('a');
    cache.observe('Workspace', a, false);
    cache.observe('Workspace', { ...a, metadata: { ...a.metadata, labels: { v: '2' } } }, false);
    cache.observe('Workspace', workspaceObject('b'), false);
    expect(cache.get('Workspace', 'default/a')?.metadata.labels).toEqual({ v: '2' });
    expect(cache.list('Workspace').map((o) => o.metadata.name)).toEqual(['a', 'b']);
    cache.observe('Workspace', a, true);
    expect(cache.get('Workspace', 'default/a')).toBeUndefined();
    expect(cache.list('PortBinding')).toEqual([]);
  });
});
