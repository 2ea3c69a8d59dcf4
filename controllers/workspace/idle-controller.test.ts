import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Workspace } from '../../apis/types/index.ts';
import { FakeClock } from '../runtime/clock.ts';
import { getCondition } from '../runtime/conditions.ts';
import { Manager } from '../runtime/manager.ts';
import { captureLogs, getOrUndefined, openTempStore, type TempStore } from '../runtime/testing.ts';
import { MockProvider } from '../providers/mock/mock-provider.ts';
import { createProviderRegistry } from '../providers/registry.ts';
import { ActivityTracker } from './activity.ts';
import { formatActiveAt } from './idle.ts';
import { workspaceReconciler, type WorkspaceReconcilerDeps } from './reconcile.ts';
import { ACTIVE_AT_ANNOTATION, SWITCH_REQUESTED_AT_ANNOTATION } from '../../apis/names/index.ts';

const START = new Date('2026-03-01T10:00:00Z');
const MIN = 60_000;

let store: TempStore;
let provider: MockProvider;
let clock: FakeClock;
let tracker: ActivityTracker;

beforeEach(async () => {
  store = await openTempStore();
  provider = new MockProvider();
  clock = new FakeClock(START);
  tracker = new ActivityTracker({ now: () => clock.now(), wakeTimeoutMs: 5_000 });
});
afterEach(async () => {
  await store.dispose();
});

function workspace(name: string, spec: Partial<Workspace['spec']> = {}): Workspace {
  return { apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name }, spec: { backend: 'mock', image: 'debian:bookworm', ...spec } };
}

/** One reconcile of every workspace at the fake clock's time. */
async function reconcileOnce(extra: Partial<WorkspaceReconcilerDeps> = {}): Promise<void> {
  const logs = captureLogs();
  const manager = new Manager({ client: store.client, clock, logger: logs.logger });
  manager.add({ kind: 'Workspace', reconcile: workspaceReconciler({ providers: createProviderRegistry([provider]), activity: tracker, ...extra }) });
  await manager.runUntilIdle({ timeoutMs: 60_000 });
}

const get = async (name: string): Promise<Workspace> => (await getOrUndefined<Workspace>(store.client, 'Workspace', name))!;
const idle = async (name: string) => getCondition((await get(name)).status?.conditions, 'Idle');
const state = async (name: string) => (await provider.observe({ name, namespace: 'default', uid: (await get(name)).metadata.uid! } as never))?.state;

async function annotate(name: string, annotations: Record<string, string>): Promise<void> {
  const ws = await get(name);
  await store.client.update({ ...ws, metadata: { ...ws.metadata, annotations: { ...ws.metadata.annotations, ...annotations } } });
}

describe('idle policy', () => {
  it('pauses a Running workspace after idleTimeout without activity, in status only, onSleep before the pause', async () => {
    await store.client.create(workspace('w', { idleTimeout: '5m', hooks: { onSleep: 'echo sleep', onWake: 'echo wake' } }));
    await reconcileOnce();
    expect((await get('w')).status?.phase).toBe('Running');
    await clock.advance(4 * MIN);
    await reconcileOnce();
    expect(await state('w')).toBe('Running');
    expect((await idle('w'))?.status).not.toBe('True');
    const pausesBefore = provider.calls.ensure;
    await clock.advance(1 * MIN + 1);
    await reconcileOnce();
    const ws = await get('w');
    expect(await state('w')).toBe('Paused');
    expect(getCondition(ws.status?.conditions, 'Idle')).toMatchObject({ status: 'True', reason: 'IdleTimeout', lastTransitionTime: clock.now().toISOString() });
    expect(ws.spec.state ?? 'Running').toBe('Running');
    expect(ws.status?.repairs ?? []).toEqual([]);
    expect(provider.execLog.map((e) => e.command.at(-1))).toEqual(['echo sleep']);
    expect(provider.calls.ensure).toBeGreaterThan(pausesBefore);
    // Still idle on later reconciles (resync) without activity.
    await clock.advance(30 * MIN);
    await reconcileOnce();
    expect(await state('w')).toBe('Paused');
  });

  it.each([
    ['exec'],
    ['connection on port web'],
    ['file sync'],
    ['api workspace.readFile'],
  ])('activity "%s" recorded by the daemon resets the timer', async (what) => {
    await store.client.create(workspace('w', { idleTimeout: '5m' }));
    await reconcileOnce();
    await clock.advance(4 * MIN);
    tracker.record('default/w', what);
    await clock.advance(2 * MIN);
    await reconcileOnce();
    expect(await state('w')).toBe('Running');
    const ws = await get('w');
    expect(ws.status?.lastActivity).toBe(what);
    expect(ws.status?.lastActiveAt).toBe(new Date(START.getTime() + 4 * MIN).toISOString());
    await clock.advance(3 * MIN + 1);
    await reconcileOnce();
    expect(await state('w')).toBe('Paused');
  });

  it.each([
    ['the CLI (boulder exec, logs -f)', (at: Date) => ({ [ACTIVE_AT_ANNOTATION]: formatActiveAt(at, 'exec') }), 'exec'],
    ['a switch', (at: Date) => ({ [SWITCH_REQUESTED_AT_ANNOTATION]: at.toISOString() }), 'switch'],
  ])('activity from %s (an annotation) resets the timer', async (_label, annotations, what) => {
    await store.client.create(workspace('w', { idleTimeout: '5m' }));
    await reconcileOnce();
    await clock.advance(4 * MIN);
    await annotate('w', annotations(clock.now()));
    await clock.advance(2 * MIN);
    await reconcileOnce();
    expect(await state('w')).toBe('Running');
    expect((await get('w')).status?.lastActivity).toBe(what);
  });

  it('an open connection (probe) keeps it awake at the deadline', async () => {
    tracker.setProbe(() => 'open connection on a forwarded port');
    await store.client.create(workspace('w', { idleTimeout: '5m' }));
    await reconcileOnce();
    await clock.advance(6 * MIN);
    await reconcileOnce();
    expect(await state('w')).toBe('Running');
    expect((await get('w')).status?.lastActivity).toBe('open connection on a forwarded port');
  });

  it('wakes on activity: resume, then onWake; held wakes are released; the wake is timed', async () => {
    await store.client.create(workspace('w', { idleTimeout: '5m', hooks: { onSleep: 'echo sleep', onWake: 'echo wake' } }));
    await reconcileOnce();
    await clock.advance(6 * MIN);
    await reconcileOnce();
    expect(tracker.isIdle('default/w')).toBe(true);
    await clock.advance(MIN);
    let woken: boolean | undefined;
    const held = tracker.wake('default/w', 'connection on port web').then((v) => (woken = v));
    await Promise.resolve();
    expect(woken).toBeUndefined();
    await reconcileOnce();
    await held;
    expect(woken).toBe(true);
    const ws = await get('w');
    expect(await state('w')).toBe('Running');
    expect(getCondition(ws.status?.conditions, 'Idle')).toMatchObject({ status: 'False', reason: 'Woken' });
    expect(ws.status?.timings?.lastWakeMs).toBeGreaterThanOrEqual(0);
    expect(ws.status?.lastActivity).toBe('connection on port web');
    expect(provider.execLog.map((e) => e.command.at(-1))).toEqual(['echo sleep', 'echo wake']);
  });

  it('a switch to an idle workspace wakes it and reports both the switch and the wake in status.timings', async () => {
    await store.client.create(workspace('w', { idleTimeout: '5m', hooks: { onWake: 'echo wake' } }));
    await reconcileOnce();
    await clock.advance(6 * MIN);
    await reconcileOnce();
    expect(await state('w')).toBe('Paused');
    await clock.advance(MIN);
    const requested = clock.now().toISOString();
    await annotate('w', { [SWITCH_REQUESTED_AT_ANNOTATION]: requested });
    await reconcileOnce();
    const ws = await get('w');
    expect(await state('w')).toBe('Running');
    expect(getCondition(ws.status?.conditions, 'Idle')).toMatchObject({ status: 'False', reason: 'Woken', message: expect.stringContaining('woken by switch') });
    expect(ws.status?.timings).toMatchObject({ lastSwitchAt: requested, lastSwitchMs: expect.any(Number), lastWakeMs: expect.any(Number) });
  });

  it('a workspace the user paused (spec.state: Paused) is never woken by activity', async () => {
    await store.client.create(workspace('w', { idleTimeout: '5m', state: 'Paused' }));
    await reconcileOnce();
    expect(await state('w')).toBe('Paused');
    tracker.record('default/w', 'exec');
    expect(await tracker.wake('default/w', 'connection on port web')).toBe(false);
    await annotate('w', { [ACTIVE_AT_ANNOTATION]: formatActiveAt(clock.now(), 'exec') });
    await reconcileOnce();
    expect(await state('w')).toBe('Paused');
    expect((await idle('w'))?.status).not.toBe('True');
  });

  it('a workspace paused for idleness then declared Paused stays paused and is no longer Idle', async () => {
    await store.client.create(workspace('w', { idleTimeout: '5m' }));
    await reconcileOnce();
    await clock.advance(6 * MIN);
    await reconcileOnce();
    const ws = await get('w');
    await store.client.update({ ...ws, spec: { ...ws.spec, state: 'Paused' } });
    tracker.record('default/w', 'exec');
    await reconcileOnce();
    expect(await state('w')).toBe('Paused');
    expect(await idle('w')).toMatchObject({ status: 'False', reason: 'DeclaredPaused' });
  });

  describe('timeout layers', () => {
    it('the layered configuration (workspace.idle_timeout) applies when the spec sets none', async () => {
      await store.client.create(workspace('w'));
      await reconcileOnce({ defaultIdleTimeout: '10m' });
      await clock.advance(9 * MIN);
      await reconcileOnce({ defaultIdleTimeout: '10m' });
      expect(await state('w')).toBe('Running');
      await clock.advance(MIN + 1);
      await reconcileOnce({ defaultIdleTimeout: '10m' });
      expect(await state('w')).toBe('Paused');
    });
    it('the spec wins over the configuration', async () => {
      await store.client.create(workspace('w', { idleTimeout: '2m' }));
      await reconcileOnce({ defaultIdleTimeout: '10m' });
      await clock.advance(2 * MIN + 1);
      await reconcileOnce({ defaultIdleTimeout: '10m' });
      expect(await state('w')).toBe('Paused');
    });
    it.each(['never', '0'])('idleTimeout: %s turns it off (also over the configuration)', async (off) => {
      await store.client.create(workspace('w', { idleTimeout: off }));
      await reconcileOnce({ defaultIdleTimeout: '1m' });
      await clock.advance(600 * MIN);
      await reconcileOnce({ defaultIdleTimeout: '1m' });
      expect(await state('w')).toBe('Running');
    });
    it('unset everywhere: never idle', async () => {
      await store.client.create(workspace('w'));
      await reconcileOnce();
      await clock.advance(600 * MIN);
      await reconcileOnce();
      expect(await state('w')).toBe('Running');
    });
  });
});
