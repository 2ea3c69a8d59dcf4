// The Workspace controller refuses, with a terminal condition, a build whose context is a symbolic
// link out of the repository (validation passed: the path is lexically inside, the disk says
// otherwise), and two port declarations deriving one PortBinding name in an object that reached the
// store without boulder's validation (as kubectl does on a cluster: the CRD schema cannot say it).
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ResourceClient } from '../../apis/client/types.ts';
import { openEmbeddedStore } from '../../apis/store/embedded-store.ts';
import type { Workspace } from '../../apis/types/index.ts';
import { applyDefaults } from '../../apis/validation/defaults.ts';
import { FakeClock } from '../runtime/clock.ts';
import { getCondition } from '../runtime/conditions.ts';
import { Manager } from '../runtime/manager.ts';
import { captureLogs, getOrUndefined, openTempStore, type TempStore } from '../runtime/testing.ts';
import { MockProvider } from '../providers/mock/mock-provider.ts';
import { registerControllers } from '../setup.ts';
import { git, initRepo, makeTempDir, removeTempDirs } from '../worktree/test-repos.ts';
import { runtimeTarget } from './desired.ts';

let store: TempStore;
let provider: MockProvider;
beforeEach(async () => {
  store = await openTempStore();
  provider = new MockProvider();
});
afterEach(async () => {
  await store.dispose();
  removeTempDirs();
});

async function reconcileOnce(client: ResourceClient = store.client): Promise<void> {
  const clock = new FakeClock(new Date('2026-01-01T00:00:00Z'));
  const logs = captureLogs();
  const manager = new Manager({ client, clock, logger: logs.logger });
  registerControllers(manager, { client, clock, logger: logs.logger, stateDir: store.dir, providers: [provider] });
  await manager.runUntilIdle({ timeoutMs: 60_000 });
}

describe('Workspace controller: build containment on disk', () => {
  it('a committed link out of the repository as build context ends in BuildPathOutsideRepository, nothing runs', async () => {
    const parent = makeTempDir();
    const repo = initRepo(parent);
    symlinkSync('/', join(repo, 'evil'));
    git(repo, 'add', 'evil');
    git(repo, 'commit', '-q', '-m', 'evil link');
    const ws: Workspace = { apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name: 'escape' }, spec: { backend: 'mock', repository: { path: repo }, build: { context: 'evil' } } };
    await store.client.create(ws);
    await reconcileOnce();
    const stored = (await getOrUndefined<Workspace>(store.client, 'Workspace', 'escape'))!;
    const ready = getCondition(stored.status?.conditions, 'Ready');
    expect(ready).toMatchObject({ status: 'False', reason: 'BuildPathOutsideRepository' });
    expect(ready?.message).toMatch(/spec.build.context: .*evil resolves to \/, outside the repository/);
    expect(await provider.observe(runtimeTarget(stored))).toBeUndefined();
  });
});

describe('Workspace controller: PortBinding name collisions that skipped validation', () => {
  it('ends in PortBindingNameCollision naming both declarations; no binding flips, nothing runs', async () => {
    // Defaults only, no validation: the path an object takes through kubectl and a CRD.
    const client = await openEmbeddedStore({ path: join(store.dir, 'unvalidated.db'), admit: (obj) => applyDefaults(obj) });
    try {
      const ws: Workspace = {
        apiVersion: 'nexus.dev/v1alpha1',
        kind: 'Workspace',
        metadata: { name: 'app' },
        spec: { backend: 'mock', image: 'debian:12', ports: { 'db-5432': { containerPort: 8080 } }, services: { db: { image: 'postgres', ports: [{ containerPort: 5432 }] } } },
      };
      await client.create(ws);
      await reconcileOnce(client);
      const stored = (await getOrUndefined<Workspace>(client, 'Workspace', 'app'))!;
      const ready = getCondition(stored.status?.conditions, 'Ready');
      expect(ready).toMatchObject({ status: 'False', reason: 'PortBindingNameCollision' });
      expect(ready?.message).toBe('spec.services.db.ports[0] and spec.ports.db-5432 both derive the PortBinding name app-db-5432; rename one of them');
      expect((await client.list('PortBinding', { namespace: 'default' })).items).toEqual([]);
      expect(await provider.observe(runtimeTarget(stored))).toBeUndefined();
    } finally {
      await client.close();
    }
  });
});

