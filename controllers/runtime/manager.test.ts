import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../apis/meta.ts';
import { FakeClock, realClock } from './clock.ts';
import type { Reconciler } from './controller.ts';
import { reconcileWithFinalizer } from './finalizers.ts';
import { Manager, RUNNABLE_STOP_GRACE_MS } from './manager.ts';
import { captureLogs, getOrUndefined, portBindingObject, useTempStoreAndManagers, waitFor, workspaceObject } from './testing.ts';
import { CLEANUP_FINALIZER } from '../../apis/names/index.ts';

const START = new Date('2025-01-01T00:00:00Z');

const ctx = useTempStoreAndManagers();

function newManager(stopTimeoutMs?: number) {
  const clock = new FakeClock(START);
  const logs = captureLogs();
  const manager = new Manager({
    client: ctx.store.client,
    clock,
    logger: logs.logger,
    watchBackoff: { random: () => 0.5 },
    ...(stopTimeoutMs !== undefined ? { stopTimeoutMs } : {}),
  });
  ctx.managers.push(manager);
  const summaries = (kind?: string): Record<string, unknown>[] =>
    logs.lines().filter((l) => l['msg'] === 'reconciled' && (kind === undefined || l['kind'] === kind));
  return { clock, manager, summaries, logs };
}

/** Reconciler that records the names it saw, in order. */
function recording(): { seen: string[]; reconcile: Reconciler } {
  const seen: string[] = [];
  return { seen, reconcile: (req) => Promise.resolve(void seen.push(req.name)) };
}

/** A promise with its resolver. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('Manager.start', () => {
  it('reconciles existing objects, then objects created and changed afterwards (watch)', async () => {
    await ctx.store.client.create(workspaceObject('old'));
    const { clock, manager, summaries } = newManager();
    const { seen, reconcile } = recording();
    manager.add({ kind: 'Workspace', reconcile });
    await manager.start();
    await clock.advance(0);
    expect(seen).toEqual(['old']);
    await ctx.store.client.create(workspaceObject('new'));
    await waitFor(() => seen.includes('new'), 5000, 'watch event for "new"');
    const obj = await ctx.store.client.get('Workspace', 'default', 'old');
    await ctx.store.client.update({ ...obj, metadata: { ...obj.metadata, labels: { x: 'y' } } });
    await waitFor(() => seen.filter((n) => n === 'old').length === 2, 5000, 'watch event for "old"');
    expect(summaries().map((l) => [l['key'], l['trigger']])).toEqual([
      ['default/old', 'initial'],
      ['default/new', 'watch'],
      ['default/old', 'watch'],
    ]);
  });

  it('never reconciles one key twice at once while its object keeps changing', async () => {
    await ctx.store.client.create(workspaceObject('a'));
    const { clock, manager } = newManager();
    const gates: (() => void)[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    manager.add({
      kind: 'Workspace',
      concurrency: 4,
      reconcile: async () => {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise<void>((resolve) => gates.push(resolve));
        inFlight -= 1;
      },
    });
    await manager.start();
    await clock.advance(0);
    expect(gates).toHaveLength(1);
    // Ten changes while the first reconcile runs; a second watcher tells when they were delivered.
    const observer = new AbortController();
    let modified = 0;
    const observed = (async () => {
      const from = (await ctx.store.client.get('Workspace', 'default', 'a')).metadata.resourceVersion;
      for await (const event of ctx.store.client.watch('Workspace', { resourceVersion: from, signal: observer.signal })) {
        if (event.type === 'MODIFIED') modified += 1;
      }
    })();
    for (let i = 0; i < 10; i++) {
      const obj = await ctx.store.client.get('Workspace', 'default', 'a');
      await ctx.store.client.update({ ...obj, metadata: { ...obj.metadata, labels: { step: String(i) } } });
    }
    await waitFor(() => modified === 10, 5000, 'ten watch events');
    observer.abort();
    await observed;
    await clock.advance(0);
    expect(gates).toHaveLength(1);
    gates[0]?.();
    await clock.advance(0);
    expect(gates).toHaveLength(2); // the ten changes collapse into one follow-up reconcile
    gates[1]?.();
    await clock.advance(0);
    expect(gates).toHaveLength(2);
    expect(maxInFlight).toBe(1);
  });

  it('maps events of owned kinds to the controlling owner', async () => {
    const ws = await ctx.store.client.create(workspaceObject('ws1'));
    await ctx.store.client.create(portBindingObject('ws1-web', 'ws1', ws));
    await ctx.store.client.create(portBindingObject('lone', 'ws1'));
    const { clock, manager, summaries } = newManager();
    const workspaces = recording();
    const bindings = recording();
    manager.add({ kind: 'Workspace', owns: ['PortBinding'], reconcile: workspaces.reconcile });
    manager.add({ kind: 'PortBinding', reconcile: bindings.reconcile });
    await manager.start();
    await clock.advance(0);
    expect(workspaces.seen).toEqual(['ws1']); // its own event and its binding's collapse into one reconcile
    expect(bindings.seen.sort()).toEqual(['lone', 'ws1-web']);

    const pb = await ctx.store.client.get('PortBinding', 'default', 'ws1-web');
    await ctx.store.client.update({ ...pb, metadata: { ...pb.metadata, labels: { touched: 'yes' } } });
    await waitFor(() => workspaces.seen.length === 2, 5000, 'owner reconcile after owned update');
    const lone = await ctx.store.client.get('PortBinding', 'default', 'lone');
    await ctx.store.client.update({ ...lone, metadata: { ...lone.metadata, labels: { touched: 'yes' } } });
    await ctx.store.client.delete('PortBinding', 'default', 'ws1-web');
    await waitFor(() => workspaces.seen.length === 3, 5000, 'owner reconcile after owned deletion');
    await waitFor(() => bindings.seen.length === 5, 5000, 'binding reconciles'); // 2 initial + 3 changes
    expect(workspaces.seen).toEqual(['ws1', 'ws1', 'ws1']);
    expect(summaries('Workspace').map((l) => l['trigger'])).toEqual(['initial', 'owned', 'owned']);
  });

  it('resyncs: every object of the kind is reconciled again each period', async () => {
    for (const name of ['a', 'b', 'c']) await ctx.store.client.create(workspaceObject(name));
    const { clock, manager, summaries } = newManager();
    const { seen, reconcile } = recording();
    manager.add({ kind: 'Workspace', reconcile, resyncPeriodMs: 60_000 });
    await manager.start();
    await clock.advance(59_999);
    expect(seen.sort()).toEqual(['a', 'b', 'c']);
    await clock.advance(1);
    expect(seen.length).toBe(6);
    await clock.advance(60_000);
    expect(seen.length).toBe(9);
    expect(summaries().slice(3).map((l) => l['trigger'])).toEqual(Array(6).fill('resync'));
  });

  it('relists after the watch fails with Gone and picks up what it missed', async () => {
    await ctx.store.client.create(workspaceObject('a'));
    const { clock, manager, logs } = newManager();
    const { seen, reconcile } = recording();
    manager.add({ kind: 'Workspace', reconcile });
    await manager.start();
    await clock.advance(0);
    expect(seen).toEqual(['a']);
    // Two writes and a compaction before the watch reads the change log: it ends with Gone.
    await ctx.store.client.create(workspaceObject('b'));
    await ctx.store.client.delete('Workspace', 'default', 'a');
    await ctx.store.client.compactHistory(0);
    await waitFor(
      () => logs.lines().some((l) => l['msg'] === 'list/watch failed; relisting'),
      5000,
      'the watch to fail',
    );
    expect(seen).toEqual(['a']);
    await clock.advance(200); // watch backoff
    // The relist finds b and notices a vanished: both are reconciled (a sees NotFound itself).
    expect(seen.sort()).toEqual(['a', 'a', 'b']);
    await ctx.store.client.create(workspaceObject('c'));
    await waitFor(() => seen.includes('c'), 5000, 'the new watch');
  });

  it('stop waits for an in-flight reconcile, then nothing more runs', async () => {
    await ctx.store.client.create(workspaceObject('a'));
    const { clock, manager } = newManager();
    const gate = deferred();
    const events: string[] = [];
    manager.add({
      kind: 'Workspace',
      reconcile: async (req) => {
        events.push(`start:${req.name}`);
        await gate.promise;
        events.push(`end:${req.name}`);
      },
    });
    await manager.start();
    await clock.advance(0);
    expect(events).toEqual(['start:a']);
    let stopped = false;
    const stopping = manager.stop().then(() => (stopped = true));
    await clock.advance(0);
    expect(stopped).toBe(false);
    manager.controllers()[0]?.enqueue('default/b', 'manual'); // intake is closed
    gate.resolve();
    await stopping;
    expect(events).toEqual(['start:a', 'end:a']);
    await ctx.store.client.create(workspaceObject('c'));
    await clock.advance(1000);
    expect(events).toEqual(['start:a', 'end:a']);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('stop gives up after its deadline and aborts the in-flight reconcile signal', async () => {
    await ctx.store.client.create(workspaceObject('a'));
    const { clock, manager } = newManager(10_000);
    let signal: AbortSignal | undefined;
    manager.add({
      kind: 'Workspace',
      reconcile: (_req, ctx) => {
        signal = ctx.signal;
        return new Promise<void>(() => undefined); // never finishes
      },
    });
    await manager.start();
    await clock.advance(0);
    let stopped = false;
    const stopping = manager.stop().then(() => (stopped = true));
    await clock.advance(9_999);
    expect(stopped).toBe(false);
    expect(signal?.aborted).toBe(false);
    await clock.advance(1);
    await stopping;
    expect(signal?.aborted).toBe(true);
  });
});

describe('Manager.runUntilIdle', () => {
  it('converges everything without watches, following finalizer adds and owned objects created on the way', async () => {
    await ctx.store.client.create(workspaceObject('a'));
    await ctx.store.client.create(workspaceObject('b'));
    const { manager, summaries } = newManager();
    const applied: string[] = [];
    manager.add({
      kind: 'Workspace',
      owns: ['PortBinding'],
      reconcile: async (req, ctx) => {
        const ws = await getOrUndefined(ctx.client, 'Workspace', req.name, req.namespace);
        if (ws === undefined) return;
        await reconcileWithFinalizer(ws, CLEANUP_FINALIZER, ctx.client, {
          apply: async (obj: KubeObject) => {
            applied.push(obj.metadata.name);
            const name = `${obj.metadata.name}-web`;
            if ((await getOrUndefined(ctx.client, 'PortBinding', name)) === undefined) {
              await ctx.client.create(portBindingObject(name, obj.metadata.name, obj));
            }
          },
          cleanup: () => Promise.resolve(),
        });
      },
    });
    const bindings = recording();
    manager.add({ kind: 'PortBinding', reconcile: bindings.reconcile });
    const result = await manager.runUntilIdle({ timeoutMs: 10_000 });
    expect((await ctx.store.client.get('Workspace', 'default', 'a')).metadata.finalizers).toEqual([CLEANUP_FINALIZER]);
    expect(applied.sort()).toEqual(['a', 'a', 'b', 'b']); // the relist after creating the binding re-applies once
    expect(bindings.seen.sort()).toEqual(['a-web', 'b-web']);
    expect(result).toEqual({ reconciles: summaries().length, errors: 0 });
    // No watch keeps running: a new object is not reconciled.
    await ctx.store.client.create(workspaceObject('late'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(applied).not.toContain('late');
  });

  it('waits for retries due before the timeout but not for requeueAfter', async () => {
    await ctx.store.client.create(workspaceObject('flaky'));
    await ctx.store.client.create(workspaceObject('waiting'));
    const { clock, manager } = newManager();
    let flakyCalls = 0;
    const waitingCalls: number[] = [];
    manager.add({
      kind: 'Workspace',
      backoff: { random: () => 0.5 },
      reconcile: (req) => {
        if (req.name === 'waiting') {
          waitingCalls.push(clock.now().getTime() - START.getTime());
          return Promise.resolve({ requeueAfter: 1_000 });
        }
        flakyCalls += 1;
        return flakyCalls <= 2 ? Promise.reject(new Error('not yet')) : Promise.resolve();
      },
    });
    let result: { reconciles: number; errors: number } | undefined;
    const running = manager.runUntilIdle({ timeoutMs: 10_000 }).then((r) => (result = r));
    await clock.advance(0);
    expect(result).toBeUndefined(); // a retry is due at +100 ms
    await clock.advance(100);
    expect(result).toBeUndefined(); // and another at +300 ms
    await clock.advance(200);
    await running;
    expect(flakyCalls).toBe(3);
    expect(waitingCalls).toEqual([0]);
    expect(result).toEqual({ reconciles: 4, errors: 2 });
  });

  it('returns with the errors when the next retry falls after the timeout', async () => {
    await ctx.store.client.create(workspaceObject('broken'));
    const { clock, manager } = newManager();
    manager.add({
      kind: 'Workspace',
      backoff: { random: () => 0.5 },
      reconcile: () => Promise.reject(new Error('always')),
    });
    let result: { reconciles: number; errors: number } | undefined;
    const running = manager.runUntilIdle({ timeoutMs: 1_000 }).then((r) => (result = r));
    await clock.advance(700);
    await running;
    // Attempts at 0, 100, 300 and 700 ms; the next would be at 1500 ms, after the timeout.
    expect(result).toEqual({ reconciles: 4, errors: 4 });
  });

  it('rejects with a Timeout error when a reconcile is still running at the timeout', async () => {
    await ctx.store.client.create(workspaceObject('stuck'));
    const { clock, manager } = newManager(5_000);
    let signal: AbortSignal | undefined;
    manager.add({
      kind: 'Workspace',
      reconcile: (_req, ctx) => {
        signal = ctx.signal;
        return new Promise<void>(() => undefined);
      },
    });
    const running = manager.runUntilIdle({ timeoutMs: 1_000 });
    const outcome = running.then(
      () => 'resolved',
      (err: unknown) => err,
    );
    await clock.advance(999);
    expect(signal?.aborted).toBe(false);
    await clock.advance(1);
    expect(signal?.aborted).toBe(true); // told to give up at the timeout
    await clock.advance(5_000); // the shutdown deadline for the stuck reconcile
    const err = (await outcome) as { code?: string; message?: string };
    expect(err.code).toBe('Timeout');
    expect(err.message).toMatch(/did not finish within 1000 ms .*1 keys pending/);
  });

  it('cannot be combined with start', async () => {
    const { manager } = newManager();
    manager.add({ kind: 'Workspace', reconcile: () => Promise.resolve() });
    await manager.runUntilIdle({ timeoutMs: 1000 });
    await expect(manager.start()).rejects.toThrow(/twice/);
    expect(() => manager.add({ kind: 'Workspace', reconcile: () => Promise.resolve() })).toThrow(/before/);
  });
});

describe('Manager onReconcileFailure (friction events)', () => {
  it('is told the kind and outcome of each failed reconcile, never the key or message; a throwing listener fails nothing', async () => {
    await ctx.store.client.create(workspaceObject('secret-name'));
    const failures: unknown[] = [];
    let calls = 0;
    const manager = new Manager({
      client: ctx.store.client,
      clock: realClock,
      onReconcileFailure: (f) => {
        failures.push(f);
        throw new Error('listener broke');
      },
    });
    ctx.managers.push(manager);
    manager.add({
      kind: 'Workspace',
      backoff: { baseMs: 1, capMs: 1, random: () => 0.5 },
      reconcile: () => {
        calls += 1;
        return calls === 1 ? Promise.reject(new Error('secret message /a/path')) : Promise.resolve();
      },
    });
    await manager.runUntilIdle({ timeoutMs: 10_000 });
    expect(calls).toBe(2);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toEqual({ kind: 'Workspace', outcome: 'error', durationMs: expect.any(Number) });
    expect(JSON.stringify(failures)).not.toContain('secret');
  });
});

describe('Manager runnables at shutdown', () => {
  it('stops waiting for a runnable that ignores the abort after the grace, and names it', async () => {
    const { clock, manager, logs } = newManager();
    manager.add({ kind: 'Workspace', reconcile: recording().reconcile });
    let aborted = false;
    manager.addRunnable('stuck-stream', (signal) => {
      signal.addEventListener('abort', () => (aborted = true));
      return new Promise<void>(() => undefined); // never ends, whatever the signal says
    });
    const done = deferred();
    manager.addRunnable('well-behaved', (signal) => new Promise<void>((resolve) => signal.addEventListener('abort', () => (resolve(), done.resolve()))));
    await manager.start();
    let stopped = false;
    const stopping = manager.stop().then(() => (stopped = true));
    await done.promise;
    await clock.advance(RUNNABLE_STOP_GRACE_MS - 1);
    expect(aborted).toBe(true);
    expect(stopped).toBe(false);
    await clock.advance(1);
    await stopping;
    expect(logs.lines().filter((l) => l['msg'] === 'runnable did not stop after the shutdown began; not waiting for it').map((l) => l['runnable'])).toEqual(['stuck-stream']);
  });
});
