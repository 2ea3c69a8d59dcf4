/**
 * Runner of the `cluster` category: a Workspace or SyncSession (`object.yaml` beside case.yaml) as a
 * cluster user would write it, reconciled by the controllers under cluster trust (a store that is a
 * cluster; here the embedded store and the mock provider stand in, so the case is unit-runnable).
 * `${WORLD}` in the object is replaced by a temporary directory holding a file `token`, which plays
 * the controller's own files. The case passes when the object's Ready condition is False with
 * `expect.code` as reason and `expect.error` in its message, and nothing else happened: no runtime
 * created, no other object in the store, no file of the world read into the status or changed.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { parse } from 'yaml';
import type { KindName } from '../../../apis/kinds.ts';
import type { CommonStatus, KubeObject } from '../../../apis/meta.ts';
import { FakeClock } from '../../../controllers/runtime/clock.ts';
import { getCondition } from '../../../controllers/runtime/conditions.ts';
import { Manager } from '../../../controllers/runtime/manager.ts';
import { captureLogs, openTempStore } from '../../../controllers/runtime/testing.ts';
import { MockProvider } from '../../../controllers/providers/mock/mock-provider.ts';
import { registerControllers } from '../../../controllers/setup.ts';
import type { HostileCase } from '../corpus.ts';
import { diffSnapshots, snapshotTree } from '../tree-snapshot.ts';

/** What the world's file holds: it must never appear in the store. */
const WORLD_SECRET = 'controller-own-credential';

/** See the module comment. */
export async function run(c: HostileCase): Promise<void> {
  const world = await mkdtemp(join(tmpdir(), 'boulder-hostile-cluster-'));
  const store = await openTempStore();
  try {
    await writeFile(join(world, 'token'), WORLD_SECRET);
    const object = parse((await readFile(join(c.dir, 'object.yaml'), 'utf8')).replaceAll('${WORLD}', world)) as KubeObject<unknown, CommonStatus>;
    const before = snapshotTree(world);
    await store.client.create(object);

    const logs = captureLogs();
    const clock = new FakeClock(new Date('2026-01-01T00:00:00Z'));
    const provider = new MockProvider();
    const manager = new Manager({ client: store.client, clock, logger: logs.logger });
    const podNamespace = typeof c.spec['podNamespace'] === 'string' ? c.spec['podNamespace'] : undefined;
    registerControllers(manager, {
      client: store.client,
      clock,
      logger: logs.logger,
      stateDir: store.dir,
      providers: [provider],
      trust: 'cluster',
      oneShotSyncSessions: true,
      ...(podNamespace !== undefined ? { kubernetes: { namespace: podNamespace, kubeconfig: join(world, 'no-kubeconfig') } } : {}),
    });
    await manager.runUntilIdle({ timeoutMs: 30_000 });

    const kind = object.kind as KindName;
    const namespace = object.metadata.namespace ?? 'default';
    const stored = await store.client.get<KubeObject<unknown, CommonStatus>>(kind, namespace, object.metadata.name);
    const ready = getCondition(stored.status?.conditions, 'Ready');
    expect(ready?.status).toBe('False');
    if (c.expect.code !== undefined) expect(ready?.reason).toBe(c.expect.code);
    if (c.expect.error !== undefined) expect(ready?.message).toContain(c.expect.error);

    // Nothing else happened.
    expect(provider.size()).toBe(0);
    for (const other of ['Workspace', 'PortBinding', 'SyncSession'] as const) {
      const names = (await store.client.list(other)).items.map((o) => o.metadata.name);
      expect(names).toEqual(other === kind ? [object.metadata.name] : []);
    }
    expect(JSON.stringify(stored)).not.toContain(WORLD_SECRET);
    expect(diffSnapshots(before, snapshotTree(world))).toEqual([]);
  } finally {
    await store.dispose();
    await rm(world, { recursive: true, force: true });
  }
}
