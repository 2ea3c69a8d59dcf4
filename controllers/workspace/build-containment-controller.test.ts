// The Workspace controller refuses, with a terminal condition, a build whose context is a symbolic
// link out of the repository: validation passed (the path is lexically inside), the disk says otherwise.
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Workspace } from '../../apis/types/index.ts';
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

async function reconcileOnce(): Promise<void> {
  const clock = new FakeClock(new Date('2026-01-01T00:00:00Z'));
  const logs = captureLogs();
  const manager = new Manager({ client: store.client, clock, logger: logs.logger });
  registerControllers(manager, { client: store.client, clock, logger: logs.logger, stateDir: store.dir, providers: [provider] });
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
