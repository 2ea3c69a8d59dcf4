import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Workspace } from '../../apis/types/index.ts';
import { FakeClock, realClock, type Clock } from '../runtime/clock.ts';
import { getCondition } from '../runtime/conditions.ts';
import { Manager } from '../runtime/manager.ts';
import { captureLogs, getOrUndefined, openTempStore, waitFor, type TempStore } from '../runtime/testing.ts';
import { MockProvider } from '../providers/mock/mock-provider.ts';
import { registerControllers } from '../setup.ts';
import { runtimeTarget } from './desired.ts';
import { CLEANUP_FINALIZER } from '../../apis/names/index.ts';

const START = new Date('2026-01-01T00:00:00Z');

let store: TempStore;
let provider: MockProvider;
let running: { manager: Manager }[] = [];

beforeEach(async () => {
  store = await openTempStore();
  provider = new MockProvider();
});
afterEach(async () => {
  await Promise.all(running.map((r) => r.manager.stop()));
  running = [];
  await store.dispose();
});

function workspace(name: string, spec: Partial<Workspace['spec']> = {}): Workspace {
  return {
    apiVersion: 'nexus.dev/v1alpha1',
    kind: 'Workspace',
    metadata: { name },
    spec: { backend: 'mock', image: 'debian:bookworm', services: { db: { image: 'postgres:16' } }, ...spec },
  };
}

/**
 * One `boulder reconcile --once` pass; returns the logs. The fake clock (default) never fires
 * timers, so passes that must wait for a retry use the real clock.
 */
async function reconcileOnce(clock: Clock = new FakeClock(START)): Promise<Record<string, unknown>[]> {
  const logs = captureLogs();
  const manager = new Manager({ client: store.client, clock, logger: logs.logger });
  registerControllers(manager, { client: store.client, clock, logger: logs.logger, stateDir: store.dir, providers: [provider] });
  await manager.runUntilIdle({ timeoutMs: 60_000 });
  return logs.lines();
}

async function get(name: string): Promise<Workspace | undefined> {
  return getOrUndefined<Workspace>(store.client, 'Workspace', name);
}

describe('Workspace controller (embedded store, mock provider)', () => {
  it('converges a new workspace to Ready with a finalizer and full status', async () => {
    await store.client.create(workspace('alpha'));
    await reconcileOnce();
    const ws = (await get('alpha'))!;
    expect(ws.metadata.finalizers).toEqual([CLEANUP_FINALIZER]);
    expect(ws.status?.phase).toBe('Running');
    expect(ws.status?.observedGeneration).toBe(1);
    expect(ws.status?.containerId).toMatch(/^mock-/);
    expect(ws.status?.branch).toBeUndefined();
    expect(getCondition(ws.status?.conditions, 'Ready')).toMatchObject({ status: 'True', reason: 'Ready' });
    expect(getCondition(ws.status?.conditions, 'ServicesReady')).toMatchObject({ status: 'True' });
    expect(ws.status?.timings?.createMs).toBeGreaterThanOrEqual(0);
    // The per-phase profile of the converge that created it (issue 19).
    expect(Object.keys(ws.status?.timings?.phases ?? {})).toEqual(expect.arrayContaining(['worktree', 'secrets', 'observe', 'portBindings', 'ensure', 'scripts']));
    expect((await provider.observe(runtimeTarget(ws)))?.services).toEqual({ db: { running: true } });
  });

  it('a converged workspace causes no further write', async () => {
    await store.client.create(workspace('steady'));
    await reconcileOnce();
    const before = (await get('steady'))!.metadata.resourceVersion;
    await reconcileOnce();
    expect((await get('steady'))!.metadata.resourceVersion).toBe(before);
  });

  it('follows spec.state changes and records observedGeneration', async () => {
    await store.client.create(workspace('beta'));
    await reconcileOnce();
    const ws = (await get('beta'))!;
    await store.client.update({ ...ws, spec: { ...ws.spec, state: 'Paused' } });
    await reconcileOnce();
    const paused = (await get('beta'))!;
    expect(paused.status?.phase).toBe('Paused');
    expect(paused.status?.observedGeneration).toBe(2);
    expect(paused.status?.repairs).toBeUndefined();
  });

  it('repairs out-of-band changes and records them as repairs', async () => {
    await store.client.create(workspace('gamma'));
    await reconcileOnce();
    const ws = (await get('gamma'))!;
    const firstId = ws.status!.containerId;
    provider.tamper(runtimeTarget(ws), 'remove');
    const logs = await reconcileOnce();
    const repaired = (await get('gamma'))!;
    expect(repaired.status?.containerId).not.toBe(firstId);
    expect(repaired.status?.repairs?.map((r) => r.what)).toEqual(['container recreated', 'service db started']);
    expect(logs.map((l) => l['msg'])).toContain('repaired workspace/gamma: container recreated');
    provider.tamper(runtimeTarget(repaired), 'stop');
    await reconcileOnce();
    expect((await get('gamma'))!.status?.repairs?.map((r) => r.what)).toEqual(['container recreated', 'service db started', 'container stopped → running']);
  });

  it('deletes the runtime, then the object', async () => {
    await store.client.create(workspace('delta'));
    await reconcileOnce();
    await store.client.delete('Workspace', 'default', 'delta');
    expect((await get('delta'))?.metadata.deletionTimestamp).toBeDefined();
    await reconcileOnce();
    expect(await get('delta')).toBeUndefined();
    expect(provider.size()).toBe(0);
  });

  it('keeps the finalizer while cleanup fails, and retries', async () => {
    await store.client.create(workspace('eps'));
    await reconcileOnce();
    await store.client.delete('Workspace', 'default', 'eps');
    provider.failNext(new Error('engine unreachable'));
    const logs = await reconcileOnce(realClock);
    expect(logs.filter((l) => l['outcome'] === 'error').map((l) => l['error'])).toEqual(['engine unreachable']);
    expect(await get('eps')).toBeUndefined();
    expect(provider.calls.delete).toBe(2);
  });

  it('an unavailable backend is a terminal condition, not a retry loop, and deletion still works', async () => {
    await store.client.create(workspace('zeta', { backend: 'docker' }));
    await reconcileOnce();
    const ws = (await get('zeta'))!;
    expect(getCondition(ws.status?.conditions, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'BackendUnavailable',
      message: 'backend "docker" is not available in this boulder process (available: mock)',
      observedGeneration: 1,
    });
    expect(provider.calls.ensure).toBe(0);
    await store.client.delete('Workspace', 'default', 'zeta');
    await reconcileOnce();
    expect(await get('zeta')).toBeUndefined();
  });

  it('an invalid spec becomes an InvalidSpec condition', async () => {
    const bad = workspace('eta');
    delete bad.spec.image;
    await store.client.create(bad);
    await reconcileOnce();
    expect(getCondition((await get('eta'))!.status?.conditions, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'InvalidSpec',
      message: 'spec.image or spec.build is required',
    });
  });

  it('in daemon mode, a provider drift event brings the workspace back without waiting for resync', async () => {
    const logs = captureLogs();
    const manager = new Manager({ client: store.client, clock: realClock, logger: logs.logger });
    registerControllers(manager, {
      client: store.client,
      clock: realClock,
      logger: logs.logger,
      stateDir: store.dir,
      providers: [provider],
      resyncPeriodMs: 0,
    });
    running.push({ manager });
    await manager.start();
    await store.client.create(workspace('theta'));
    await waitFor(async () => getCondition((await get('theta'))?.status?.conditions, 'Ready')?.status === 'True', 5_000, 'Ready');
    const ws = (await get('theta'))!;
    provider.tamper(runtimeTarget(ws), 'pause');
    await waitFor(async () => ((await get('theta'))?.status?.repairs?.length ?? 0) > 0, 5_000, 'repair');
    expect((await get('theta'))!.status?.repairs?.[0]?.what).toBe('container paused → running');
    expect((await provider.observe(runtimeTarget(ws)))?.state).toBe('Running');
  });
});
