/**
 * The own-kind status-only filter (predicates.ts) as the manager applies it: a controller is not
 * woken by the echo of its own status write, in started (watch) and one-shot (relist) mode, while
 * spec, annotation, owned-kind, watched-kind and deletion events still enqueue, and a controller
 * that opts in (statusOnlyUpdates) still sees status-only updates.
 */
import { describe, expect, it } from 'vitest';
import { FakeClock } from './clock.ts';
import type { Reconciler } from './controller.ts';
import { Manager } from './manager.ts';
import { captureLogs, getOrUndefined, useTempStoreAndManagers, portBindingObject, waitFor, workspaceObject } from './testing.ts';
import { watches } from './watches.ts';

const ctx = useTempStoreAndManagers();

function newManager() {
  const clock = new FakeClock(new Date('2025-01-01T00:00:00Z'));
  const logs = captureLogs();
  const manager = new Manager({ client: ctx.store.client, clock, logger: logs.logger, watchBackoff: { random: () => 0.5 } });
  ctx.managers.push(manager);
  const summaries = (kind: string): Record<string, unknown>[] => logs.lines().filter((l) => l['msg'] === 'reconciled' && l['kind'] === kind);
  return { clock, manager, summaries };
}

/** Like the real controllers: records the name, then writes status (observed generation) when it changed. */
function statusWriting(): { seen: string[]; reconcile: Reconciler } {
  const seen: string[] = [];
  const reconcile: Reconciler = async (req, ctx) => {
    seen.push(req.name);
    const obj = await getOrUndefined(ctx.client, 'Workspace', req.name, req.namespace);
    if (obj === undefined) return;
    const status = { observedGeneration: obj.metadata.generation };
    if (JSON.stringify(obj.status) !== JSON.stringify(status)) await ctx.client.updateStatus({ ...obj, status });
  };
  return { seen, reconcile };
}

describe('own status-only update events', () => {
  it('do not reconcile the object again; spec, annotation, owned, watched and deletion events still do', async () => {
    const ws = await ctx.store.client.create(workspaceObject('ws1'));
    await ctx.store.client.create(portBindingObject('ws1-web', 'ws1', ws));
    const { clock, manager, summaries } = newManager();
    const { seen, reconcile } = statusWriting();
    const bindings: string[] = [];
    manager.add({ kind: 'Workspace', owns: ['PortBinding'], reconcile });
    manager.add({
      kind: 'PortBinding',
      reconcile: (req) => Promise.resolve(void bindings.push(req.name)),
      watches: [watches('Workspace', (w) => [`default/${w.metadata.name}-web`])],
    });
    await manager.start();
    await clock.advance(0);
    const settle = async (): Promise<void> => {
      await new Promise((r) => setTimeout(r, 300));
      await clock.advance(0);
    };
    await settle();
    expect(seen).toEqual(['ws1']); // the echo of its own status write enqueued nothing
    await waitFor(() => bindings.length >= 2, 5000, 'the binding sees the workspace status change (cross-kind watch)');

    const stored = await ctx.store.client.get('Workspace', 'default', 'ws1');
    await ctx.store.client.update({ ...stored, spec: { backend: 'mock', image: 'other' } });
    await waitFor(() => seen.length === 2, 5000, 'reconcile after a spec change');
    await settle();
    expect(seen.length).toBe(2); // its status write (observedGeneration 2) again enqueued nothing

    const annotated = await ctx.store.client.get('Workspace', 'default', 'ws1');
    await ctx.store.client.update({ ...annotated, metadata: { ...annotated.metadata, annotations: { 'nexus.dev/x': '1' } } });
    await waitFor(() => seen.length === 3, 5000, 'reconcile after an annotation change');

    const pb = await ctx.store.client.get('PortBinding', 'default', 'ws1-web');
    await ctx.store.client.updateStatus({ ...pb, status: { hostPort: 1234 } });
    await waitFor(() => seen.length === 4, 5000, "owner reconcile after the owned object's status-only update");

    const other = await ctx.store.client.get('Workspace', 'default', 'ws1');
    await ctx.store.client.updateStatus({ ...other, status: { observedGeneration: other.metadata.generation, phase: 'Running' } });
    await settle();
    expect(seen.length).toBe(4); // a status-only update by someone else: seen at the next resync only
    await ctx.store.client.delete('Workspace', 'default', 'ws1');
    await waitFor(() => seen.length >= 5, 5000, 'reconcile after deletion');
    expect(summaries('Workspace').slice(0, 5).map((l) => l['trigger'])).toEqual(['initial', 'watch', 'watch', 'owned', 'watch']);
  });

  it('reconcile the object again when the controller opts in (statusOnlyUpdates)', async () => {
    await ctx.store.client.create(workspaceObject('ws1'));
    const { clock, manager } = newManager();
    const seen: string[] = [];
    manager.add({ kind: 'Workspace', reconcile: (req) => Promise.resolve(void seen.push(req.name)), statusOnlyUpdates: true });
    await manager.start();
    await clock.advance(0);
    const obj = await ctx.store.client.get('Workspace', 'default', 'ws1');
    await ctx.store.client.updateStatus({ ...obj, status: { phase: 'Running' } });
    await waitFor(() => seen.length === 2, 5000, 'reconcile after a status-only update');
  });

  it('do not reconcile the object again in one-shot mode either (one reconcile per object)', async () => {
    for (const name of ['a', 'b']) await ctx.store.client.create(workspaceObject(name));
    const { manager } = newManager();
    manager.add({ kind: 'Workspace', reconcile: statusWriting().reconcile });
    expect(await manager.runUntilIdle({ timeoutMs: 5000 })).toEqual({ reconciles: 2, errors: 0 });
  });
});
