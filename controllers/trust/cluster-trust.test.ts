/**
 * The controllers under cluster trust (a store that is a cluster), against the embedded store and
 * the mock provider: a Workspace that names the controller's own files or environment as a secret
 * source, or a host repository, and a SyncSession reaching a local path or another namespace's Pod,
 * each end with one clear condition, no retry loop, and nothing read or written on this machine.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Workspace } from '../../apis/types/index.ts';
import type { SyncSession } from '../../apis/types/syncsession.ts';
import { FakeClock } from '../runtime/clock.ts';
import { getCondition } from '../runtime/conditions.ts';
import { Manager } from '../runtime/manager.ts';
import { captureLogs, getOrUndefined, openTempStore, type TempStore } from '../runtime/testing.ts';
import { MockProvider } from '../providers/mock/mock-provider.ts';
import { registerControllers } from '../setup.ts';
import { registerSyncSessions } from '../syncsession/register.ts';
import { terminalFailureOf } from '../../apis/terminal.ts';
import { LAST_REQUEST, SYNC_REQUEST_ANNOTATION } from '../../apis/names/index.ts';

let store: TempStore;
let world: string;
let provider: MockProvider;

beforeEach(async () => {
  store = await openTempStore();
  world = await mkdtemp(join(tmpdir(), 'boulder-trust-'));
  provider = new MockProvider();
});
afterEach(async () => {
  await store.dispose();
  await rm(world, { recursive: true, force: true });
});

function workspace(name: string, spec: Partial<Workspace['spec']>): Workspace {
  return { apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name, namespace: 'team-a' }, spec: { backend: 'mock', image: 'busybox', ...spec } };
}

/** Reconciles until idle as a controller whose store is a cluster; returns how many reconciles ran. */
async function reconcileAsCluster(): Promise<number> {
  const logs = captureLogs();
  const clock = new FakeClock(new Date('2026-01-01T00:00:00Z'));
  const manager = new Manager({ client: store.client, clock, logger: logs.logger });
  registerControllers(manager, { client: store.client, clock, logger: logs.logger, stateDir: store.dir, providers: [provider], trust: 'cluster' });
  const stats = await manager.runUntilIdle({ timeoutMs: 30_000 });
  return stats.reconciles;
}

describe('cluster trust: Workspaces', () => {
  it.each([
    ['fromFile', (file: string) => ({ secrets: [{ name: 'TOKEN', fromFile: file }] }), 'SecretSourceNotAllowed'],
    ['fromEnv', () => ({ secrets: [{ name: 'TOKEN', fromEnv: 'BOULDER_TRUST_TEST_TOKEN' }] }), 'SecretSourceNotAllowed'],
    ['a host repository', () => ({ repository: { path: '.' } }), 'HostPathNotAllowed'],
  ])('%s: refused with a condition, the runtime never created, the value never read', async (_what, spec, reason) => {
    const token = join(world, 'token');
    await writeFile(token, 'controller-own-token');
    process.env['BOULDER_TRUST_TEST_TOKEN'] = 'controller-own-env';
    try {
      await store.client.create(workspace('web', spec(token)));
      const reconciles = await reconcileAsCluster();
      expect(reconciles).toBeLessThanOrEqual(3); // finalizer add + the refused apply: no retry loop
      const ws = (await getOrUndefined<Workspace>(store.client, 'Workspace', 'web', 'team-a'))!;
      const ready = getCondition(ws.status?.conditions, 'Ready');
      expect(ready).toMatchObject({ status: 'False', reason });
      expect(provider.size()).toBe(0);
      expect(JSON.stringify(ws)).not.toContain('controller-own');
      expect(await readdir(world)).toEqual(['token']);
      // A second pass (the periodic resync) writes nothing new.
      const rv = ws.metadata.resourceVersion;
      await reconcileAsCluster();
      expect((await getOrUndefined<Workspace>(store.client, 'Workspace', 'web', 'team-a'))!.metadata.resourceVersion).toBe(rv);
    } finally {
      delete process.env['BOULDER_TRUST_TEST_TOKEN'];
    }
  });
});

describe('cluster trust: SyncSessions', () => {
  it.each([
    ['a controller-local path', (dir: string) => dir, 'pod://team-a/nexus-web/workspace/w', 'is a path on the controller\'s machine'],
    ['a Pod of another namespace', () => 'pod://team-a/nexus-web/workspace/w', 'pod://kube-system/etcd/etcd/var/lib/etcd', 'is a Pod in namespace kube-system'],
  ])('%s: phase Error, Ready False EndpointNotAllowed, no engine opened', async (_what, alpha, beta, message) => {
    const logs = captureLogs();
    const clock = new FakeClock(new Date('2026-01-01T00:00:00Z'));
    const abort = new AbortController();
    const manager = new Manager({ client: store.client, clock, logger: logs.logger });
    registerSyncSessions(manager, { stateDir: store.dir, logger: logs.logger, signal: abort.signal, trust: 'cluster' });
    const session: SyncSession = { apiVersion: 'nexus.dev/v1alpha1', kind: 'SyncSession', metadata: { name: 's', namespace: 'team-a' }, spec: { alpha: alpha(world), beta } };
    await writeFile(join(world, 'private.txt'), 'host file');
    await store.client.create(session);
    try {
      await manager.runUntilIdle({ timeoutMs: 30_000 });
    } finally {
      abort.abort();
    }
    const stored = (await getOrUndefined<SyncSession>(store.client, 'SyncSession', 's', 'team-a'))!;
    expect(stored.status?.phase).toBe('Error');
    const ready = getCondition(stored.status?.conditions, 'Ready');
    expect(ready).toMatchObject({ status: 'False', reason: 'EndpointNotAllowed' });
    expect(ready?.message).toContain(message);
    // Terminal for this generation: every wait on the session ends at once with the refusal.
    expect(terminalFailureOf(stored)).toEqual({ reason: 'EndpointNotAllowed', message: ready?.message });
    expect(await readdir(world)).toEqual(['private.txt']);
    expect(await readdir(store.dir)).not.toContain('sync');
  });

  it('a request (sync flush) to a refused session is answered with the refusal, never left pending', async () => {
    const logs = captureLogs();
    const clock = new FakeClock(new Date('2026-01-01T00:00:00Z'));
    const abort = new AbortController();
    const manager = new Manager({ client: store.client, clock, logger: logs.logger });
    registerSyncSessions(manager, { stateDir: store.dir, logger: logs.logger, signal: abort.signal, trust: 'cluster' });
    const session: SyncSession = {
      apiVersion: 'nexus.dev/v1alpha1',
      kind: 'SyncSession',
      metadata: { name: 's', namespace: 'team-a', annotations: { [SYNC_REQUEST_ANNOTATION]: JSON.stringify({ id: 'r1', op: 'flush' }) } },
      spec: { alpha: 'pod://team-a/nexus-web/workspace/w', beta: 'pod://kube-system/etcd/etcd/var/lib/etcd' },
    };
    await store.client.create(session);
    try {
      await manager.runUntilIdle({ timeoutMs: 30_000 });
    } finally {
      abort.abort();
    }
    const stored = (await getOrUndefined<SyncSession>(store.client, 'SyncSession', 's', 'team-a'))!;
    const answer = getCondition(stored.status?.conditions, LAST_REQUEST);
    expect(answer).toMatchObject({ status: 'False', reason: 'Failed' });
    expect(answer?.message).toMatch(/^r1: EndpointNotAllowed: .*is a Pod in namespace kube-system/);
  });
});
