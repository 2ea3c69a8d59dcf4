import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CommonStatus, KubeObject } from '../../apis/meta.ts';
import { FakeClock } from './clock.ts';
import { getCondition } from './conditions.ts';
import { Controller, type ControllerOptions, type Reconciler } from './controller.ts';
import { TerminalError } from './errors.ts';
import { captureLogs, openTempStore, workspaceObject, type TempStore } from './testing.ts';
import { READY } from '../../apis/names/index.ts';

const START = new Date('2025-01-01T00:00:00Z');

let store: TempStore;
let controllers: Controller[] = [];

beforeEach(async () => {
  store = await openTempStore();
});
afterEach(async () => {
  // Bounded: a failed test may leave a reconcile stuck on the fake clock.
  await Promise.race([Promise.all(controllers.map((c) => c.shutDown())), new Promise((r) => setTimeout(r, 1000))]);
  controllers = [];
  await store.dispose();
});

function setup(options: Partial<ControllerOptions> & { reconcile: Reconciler }) {
  const clock = new FakeClock(START);
  const logs = captureLogs();
  const hurry = new AbortController();
  const controller = new Controller(
    { kind: 'Workspace', backoff: { random: () => 0.5 }, ...options },
    { client: store.client, clock, logger: logs.logger, signal: hurry.signal },
  );
  controllers.push(controller);
  const summaries = (): Record<string, unknown>[] => logs.lines().filter((l) => l['msg'] === 'reconciled');
  return { clock, controller, summaries };
}

/** Milliseconds since START on the fake clock. */
const elapsed = (clock: FakeClock): number => clock.now().getTime() - START.getTime();

/** Counts how many reconciles run at once, per key and in total. */
function concurrencyTracker() {
  const running = new Map<string, number>();
  const state = { maxPerKey: 0, maxTotal: 0, total: 0, calls: new Map<string, number>() };
  return {
    state,
    enter(key: string) {
      const n = (running.get(key) ?? 0) + 1;
      running.set(key, n);
      state.total += 1;
      state.maxPerKey = Math.max(state.maxPerKey, n);
      state.maxTotal = Math.max(state.maxTotal, state.total);
      state.calls.set(key, (state.calls.get(key) ?? 0) + 1);
    },
    exit(key: string) {
      running.set(key, (running.get(key) ?? 1) - 1);
      state.total -= 1;
    },
  };
}

/** A promise with its resolver. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('Controller queueing', () => {
  it('dedupes: a key added many times before a worker is free reconciles once', async () => {
    const seen: string[] = [];
    const { clock, controller } = setup({ reconcile: (req) => Promise.resolve(void seen.push(req.name)) });
    for (let i = 0; i < 5; i++) controller.enqueue('default/a', 'manual');
    controller.enqueue('default/b', 'manual');
    controller.startWorkers();
    await clock.advance(0);
    expect(seen.sort()).toEqual(['a', 'b']);
  });

  it('never reconciles one key twice at once, while different keys run in parallel', async () => {
    const tracker = concurrencyTracker();
    const { clock, controller } = setup({
      concurrency: 4,
      reconcile: async (req, ctx) => {
        tracker.enter(req.name);
        await ctx.clock.sleep(50);
        tracker.exit(req.name);
      },
    });
    controller.startWorkers();
    for (let t = 0; t < 200; t += 10) {
      controller.enqueue('default/a', 'manual');
      controller.enqueue('default/b', 'manual');
      await clock.advance(10);
    }
    await clock.advance(200);
    expect(tracker.state.maxPerKey).toBe(1);
    expect(tracker.state.maxTotal).toBe(2);
    // Adds during a reconcile collapse into one follow-up: runs start at 0, 50, 100, 150, 200.
    expect(tracker.state.calls.get('a')).toBe(5);
    expect(tracker.state.calls.get('b')).toBe(5);
    expect(controller.queue.isIdle()).toBe(true);
  });

  it('runs different keys in parallel up to the concurrency', async () => {
    const gate = deferred();
    const tracker = concurrencyTracker();
    const { clock, controller } = setup({
      concurrency: 2,
      reconcile: async (req) => {
        tracker.enter(req.name);
        await gate.promise;
        tracker.exit(req.name);
      },
    });
    controller.startWorkers();
    for (const name of ['a', 'b', 'c']) controller.enqueue(`default/${name}`, 'manual');
    await clock.advance(0);
    expect(tracker.state.total).toBe(2); // a and b in flight together, c waits for a free worker
    expect(controller.queue.len()).toBe(1);
    gate.resolve();
    await clock.advance(0);
    expect([...tracker.state.calls.keys()].sort()).toEqual(['a', 'b', 'c']);
  });

  it('with concurrency 1 reconciles one key at a time', async () => {
    const tracker = concurrencyTracker();
    const { clock, controller } = setup({
      concurrency: 1,
      reconcile: async (req, ctx) => {
        tracker.enter(req.name);
        await ctx.clock.sleep(10);
        tracker.exit(req.name);
      },
    });
    controller.startWorkers();
    for (const name of ['a', 'b', 'c']) controller.enqueue(`default/${name}`, 'manual');
    await clock.advance(100);
    expect(tracker.state.maxTotal).toBe(1);
    expect(tracker.state.calls.size).toBe(3);
  });
});

describe('Controller outcomes', () => {
  it('retries a failing key with exponential backoff up to the cap', async () => {
    const times: number[] = [];
    const { clock, controller, summaries } = setup({
      backoff: { random: () => 0.5, capMs: 1000 },
      reconcile: () => {
        times.push(elapsed(clock));
        return Promise.reject(new Error('backend unreachable'));
      },
    });
    controller.startWorkers();
    controller.enqueue('default/a', 'manual');
    await clock.advance(5000);
    expect(times).toEqual([0, 100, 300, 700, 1500, 2500, 3500, 4500]);
    const lines = summaries();
    expect(lines.map((l) => l['requeueAfterMs'])).toEqual([100, 200, 400, 800, 1000, 1000, 1000, 1000]);
    expect(lines.map((l) => l['outcome'])).toEqual(Array(8).fill('error'));
    expect(lines.map((l) => l['trigger'])).toEqual(['manual', ...Array(7).fill('retry')]);
    expect(lines[0]?.['error']).toBe('backend unreachable');
    expect(controller.stats()).toEqual({ reconciles: 8, errors: 8 });
  });

  it('resets the backoff after a success', async () => {
    const times: number[] = [];
    const results = [false, false, true, false, true];
    const { clock, controller } = setup({
      reconcile: () => {
        times.push(elapsed(clock));
        return results.shift() === true ? Promise.resolve() : Promise.reject(new Error('flaky'));
      },
    });
    controller.startWorkers();
    controller.enqueue('default/a', 'manual');
    await clock.advance(1000);
    expect(times).toEqual([0, 100, 300]);
    expect(controller.queue.numRequeues('default/a')).toBe(0);
    controller.enqueue('default/a', 'manual');
    await clock.advance(1000);
    expect(times).toEqual([0, 100, 300, 1000, 1100]); // back to the base delay
  });

  it('survives reconcilers that throw synchronously or throw non-errors', async () => {
    const done: string[] = [];
    const { clock, controller, summaries } = setup({
      concurrency: 1,
      reconcile: (req) => {
        if (req.name === 'sync') throw new Error('panic');
        if (req.name === 'weird') return Promise.reject('not an error object' as unknown as Error);
        done.push(req.name);
        return Promise.resolve();
      },
    });
    controller.startWorkers();
    for (const name of ['sync', 'weird', 'fine']) controller.enqueue(`default/${name}`, 'manual');
    await clock.advance(0);
    expect(done).toEqual(['fine']);
    expect(summaries().map((l) => [l['key'], l['outcome']])).toEqual([
      ['default/sync', 'error'],
      ['default/weird', 'error'],
      ['default/fine', 'done'],
    ]);
    await clock.advance(100); // the worker is still alive and retries
    expect(summaries().filter((l) => l['key'] === 'default/sync')).toHaveLength(2);
  });

  it('requeues after requeueAfter, not before, and resets the backoff', async () => {
    const times: number[] = [];
    const { clock, controller, summaries } = setup({
      reconcile: () => {
        times.push(elapsed(clock));
        return Promise.resolve({ requeueAfter: 5000 });
      },
    });
    controller.startWorkers();
    controller.enqueue('default/a', 'manual');
    await clock.advance(4999);
    expect(times).toEqual([0]);
    expect(controller.queue.pendingDelayed()).toEqual([
      { key: 'default/a', dueAt: START.getTime() + 5000, rateLimited: false },
    ]);
    await clock.advance(1);
    expect(times).toEqual([0, 5000]);
    expect(summaries().map((l) => [l['outcome'], l['requeueAfterMs'], l['trigger']])).toEqual([
      ['requeue', 5000, 'manual'],
      ['requeue', 5000, 'requeue'],
    ]);
  });

  it('treats requeueAfter ≤ 0 as done', async () => {
    const { clock, controller, summaries } = setup({ reconcile: () => Promise.resolve({ requeueAfter: 0 }) });
    controller.startWorkers();
    controller.enqueue('default/a', 'manual');
    await clock.advance(0);
    expect(summaries().map((l) => l['outcome'])).toEqual(['done']);
    expect(controller.queue.pendingDelayed()).toEqual([]);
  });

  it('records a TerminalError as Ready=False and does not retry', async () => {
    await store.client.create(workspaceObject('a'));
    let calls = 0;
    const { clock, controller, summaries } = setup({
      reconcile: () => {
        calls += 1;
        return Promise.reject(new TerminalError('InvalidImage', 'image "x:" has an empty tag'));
      },
    });
    controller.startWorkers();
    controller.enqueue('default/a', 'manual');
    await clock.advance(0);
    const stored = await store.client.get<KubeObject<unknown, CommonStatus>>('Workspace', 'default', 'a');
    expect(getCondition(stored.status?.conditions, READY)).toEqual({
      type: READY,
      status: 'False',
      reason: 'InvalidImage',
      message: 'image "x:" has an empty tag',
      observedGeneration: 1,
      lastTransitionTime: START.toISOString(),
    });
    await clock.advance(3_600_000);
    expect(calls).toBe(1);
    expect(controller.queue.pendingDelayed()).toEqual([]);
    expect(summaries().map((l) => [l['outcome'], l['reason'], l['level']])).toEqual([['terminal', 'InvalidImage', 50]]);
    expect(controller.stats()).toEqual({ reconciles: 1, errors: 1 });
  });

  it('does not rewrite an identical terminal condition', async () => {
    await store.client.create(workspaceObject('a'));
    const { clock, controller } = setup({ reconcile: () => Promise.reject(new TerminalError('Bad', 'bad')) });
    controller.startWorkers();
    controller.enqueue('default/a', 'manual');
    await clock.advance(0);
    const first = await store.client.get('Workspace', 'default', 'a');
    controller.enqueue('default/a', 'manual');
    await clock.advance(1000);
    const second = await store.client.get('Workspace', 'default', 'a');
    expect(second.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
  });

  it('ignores a TerminalError for an object that no longer exists', async () => {
    const { clock, controller, summaries } = setup({ reconcile: () => Promise.reject(new TerminalError('Gone', 'gone')) });
    controller.startWorkers();
    controller.enqueue('default/missing', 'manual');
    await clock.advance(1000);
    expect(summaries().map((l) => l['outcome'])).toEqual(['terminal']);
  });

  it('retries when a custom terminal handler fails, then stops', async () => {
    const handled: string[] = [];
    let failHandler = true;
    const { clock, controller, summaries } = setup({
      reconcile: () => Promise.reject(new TerminalError('Bad', 'bad spec')),
      onTerminalError: (err, req) => {
        handled.push(`${req.name}:${err.reason}`);
        if (failHandler) {
          failHandler = false;
          return Promise.reject(new Error('store unavailable'));
        }
        return Promise.resolve();
      },
    });
    controller.startWorkers();
    controller.enqueue('default/a', 'manual');
    await clock.advance(10_000);
    expect(handled).toEqual(['a:Bad', 'a:Bad']);
    expect(summaries().map((l) => l['outcome'])).toEqual(['error', 'terminal']);
    expect(summaries()[0]?.['error']).toBe('bad spec (recording it failed: store unavailable)');
  });

  it('gives every reconcile its own logger fields and exactly one summary line', async () => {
    const { clock, controller, summaries } = setup({
      reconcile: (_req, ctx) => {
        ctx.log.debug('working');
        return Promise.resolve();
      },
    });
    controller.startWorkers();
    controller.enqueue('default/a', 'watch');
    controller.enqueue('default/b', 'resync');
    await clock.advance(0);
    const lines = summaries();
    expect(lines).toHaveLength(2);
    expect(lines.map((l) => [l['kind'], l['key'], l['trigger'], l['outcome']])).toEqual([
      ['Workspace', 'default/a', 'watch', 'done'],
      ['Workspace', 'default/b', 'resync', 'done'],
    ]);
    expect(lines[0]?.['reconcileId']).not.toBe(lines[1]?.['reconcileId']);
    expect(typeof lines[0]?.['durationMs']).toBe('number');
  });

  it('maps owned objects to their controlling owner only', () => {
    const { controller } = setup({ owns: ['PortBinding'], reconcile: () => Promise.resolve() });
    const owner = { ...workspaceObject('ws1', { namespace: 'team' }) };
    const owned: KubeObject = {
      apiVersion: 'nexus.dev/v1alpha1',
      kind: 'PortBinding',
      metadata: {
        name: 'ws1-web',
        namespace: 'team',
        ownerReferences: [{ apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', name: 'ws1', uid: 'u', controller: true }],
      },
    };
    expect(controller.enqueueFor('Workspace', owner, 'watch')).toBe('team/ws1');
    expect(controller.enqueueFor('PortBinding', owned, 'watch')).toBe('team/ws1');
    expect(controller.enqueueFor('PortBinding', { ...owned, metadata: { name: 'lone' } }, 'watch')).toBeUndefined();
    expect(controller.enqueueFor('SyncSession', owned, 'watch')).toBeUndefined();
    expect(controller.queue.len()).toBe(1);
  });
});
