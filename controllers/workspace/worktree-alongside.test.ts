// The worktree made alongside ensure (worktree-steps.ts) through the whole reconcile, with a real
// git repository and the mock provider: ensure starts with the reserved directory existing and
// empty; a worktree that cannot be made fails before any container; a failed `git worktree add`
// leaves WorktreeReady's error, no Ready and no directory; the next converge recovers, restarting
// the container that mounted the removed directory.
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Workspace } from '../../apis/types/index.ts';
import { FakeClock, realClock } from '../runtime/clock.ts';
import { getCondition } from '../runtime/conditions.ts';
import { Manager } from '../runtime/manager.ts';
import { captureLogs, getOrUndefined, openTempStore, waitFor, type TempStore } from '../runtime/testing.ts';
import { MockProvider } from '../providers/mock/mock-provider.ts';
import { createProviderRegistry } from '../providers/registry.ts';
import type { DesiredRuntime, EnsureResult } from '../providers/types.ts';
import { git, initRepo, makeTempDir, removeTempDirs } from '../worktree/test-repos.ts';
import { workspaceReconciler } from './reconcile.ts';

/**
 * The mock provider, noting what the worktree directory held when each ensure began, and taking
 * 50 ms like an engine's create and start, at whose end the bind mount's source must still exist.
 */
class WatchingProvider extends MockProvider {
  readonly worktreeAtEnsure: (string[] | 'missing')[] = [];
  readonly mountSourceGoneAtStart: string[] = [];

  override async ensure(desired: DesiredRuntime): Promise<EnsureResult> {
    const source = desired.mounts.find((m) => m.target === '/workspace')?.source;
    if (source !== undefined) this.worktreeAtEnsure.push(existsSync(source) ? readdirSync(source) : 'missing');
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (source !== undefined && !existsSync(source)) this.mountSourceGoneAtStart.push(source);
    return super.ensure(desired);
  }
}

let store: TempStore;
let provider: WatchingProvider;

beforeEach(async () => {
  store = await openTempStore();
  provider = new WatchingProvider();
});
afterEach(async () => {
  await store.dispose();
});
afterAll(() => removeTempDirs());

function workspace(name: string, spec: Partial<Workspace['spec']> = {}): Workspace {
  return { apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name }, spec: { backend: 'mock', image: 'debian:bookworm', ...spec } };
}

async function reconcileOnce(): Promise<Record<string, unknown>[]> {
  const logs = captureLogs();
  const clock = new FakeClock(new Date('2026-03-01T10:00:00Z'));
  const manager = new Manager({ client: store.client, clock, logger: logs.logger });
  manager.add({ kind: 'Workspace', reconcile: workspaceReconciler({ providers: createProviderRegistry([provider]) }) });
  await manager.runUntilIdle({ timeoutMs: 60_000 });
  return logs.lines();
}

const get = async (name: string): Promise<Workspace> => (await getOrUndefined<Workspace>(store.client, 'Workspace', name))!;

describe('a new worktree made alongside ensure', () => {
  it('ensure starts with the worktree directory made and empty; the workspace ends Ready with it filled', async () => {
    const repo = initRepo(makeTempDir());
    await store.client.create(workspace('feat', { repository: { path: repo } }));
    const logs = await reconcileOnce();
    const ws = await get('feat');
    const path = join(repo, '.nexus/worktrees/feat');
    expect(provider.worktreeAtEnsure).toEqual([[]]);
    expect(getCondition(ws.status?.conditions, 'Ready')?.status).toBe('True');
    expect(ws.status).toMatchObject({ worktreePath: path, branch: 'nexus/feat' });
    expect(readdirSync(path).sort()).toEqual(['.git', 'README.md']);
    expect(Object.keys(ws.status?.timings?.phases ?? {})).toEqual(expect.arrayContaining(['worktree', 'inputs', 'ensure', 'runtime']));
    // The debug line's spans: the worktree's time ends after ensure began (made alongside it).
    const { spans } = logs.find((l) => String(l['msg']).endsWith('converge phases (ms)')) as { spans: Record<string, [number, number]> };
    expect(spans['worktree']![1]).toBeGreaterThan(spans['ensure']![0]);
    // The next converge confirms the worktree before the desired state, as always.
    await store.client.update({ ...ws, spec: { ...ws.spec, env: { A: '1' } } });
    await reconcileOnce();
    expect(provider.worktreeAtEnsure).toEqual([[], ['.git', 'README.md']]);
  });

  it('an image built from the worktree gets the worktree first', async () => {
    const repo = initRepo(makeTempDir());
    await store.client.create(workspace('built', { image: undefined, repository: { path: repo }, build: { context: '.' } }));
    await reconcileOnce();
    expect(getCondition((await get('built')).status?.conditions, 'Ready')?.status).toBe('True');
    expect(provider.worktreeAtEnsure).toEqual([['.git', 'README.md']]);
  });

  it('a worktree that cannot be made (branch checked out elsewhere) fails before any container, as before', async () => {
    const repo = initRepo(makeTempDir());
    git(repo, 'switch', '-q', '-c', 'nexus/busy');
    await store.client.create(workspace('busy', { repository: { path: repo } }));
    await reconcileOnce();
    const ws = await get('busy');
    expect(getCondition(ws.status?.conditions, 'WorktreeReady')).toMatchObject({
      status: 'False',
      reason: 'BranchCheckedOutElsewhere',
      message: expect.stringContaining('branch nexus/busy is already checked out at'),
    });
    expect(getCondition(ws.status?.conditions, 'Ready')).toMatchObject({ status: 'False', reason: 'BranchCheckedOutElsewhere' });
    expect(provider.calls.ensure).toBe(0);
    expect(readdirSync(repo)).not.toContain('.nexus');
  });

  it('a failed git worktree add is WorktreeReady=False, not Ready, no directory left; a later converge recovers', async () => {
    const repo = initRepo(makeTempDir());
    // git cannot make the worktree's admin directory: the checks pass, `git worktree add` fails.
    writeFileSync(join(repo, '.git/worktrees'), 'not a directory\n');
    // GitFailed is transient (retried with backoff): the controllers run as the daemon runs them.
    const logs = captureLogs();
    const manager = new Manager({ client: store.client, clock: realClock, logger: logs.logger });
    manager.add({ kind: 'Workspace', reconcile: workspaceReconciler({ providers: createProviderRegistry([provider]) }) });
    await manager.start();
    try {
      await store.client.create(workspace('nogit', { repository: { path: repo } }));
      await waitFor(async () => getCondition((await get('nogit')).status?.conditions, 'WorktreeReady')?.status === 'False', 10_000, 'WorktreeReady=False');
      const ws = await get('nogit');
      const path = join(repo, '.nexus/worktrees/nogit');
      expect(provider.worktreeAtEnsure[0]).toEqual([]);
      expect(getCondition(ws.status?.conditions, 'WorktreeReady')).toMatchObject({ status: 'False', reason: 'GitFailed', message: expect.stringContaining(`git worktree add ${path}`) });
      expect(getCondition(ws.status?.conditions, 'Ready')).toMatchObject({ status: 'False', reason: 'GitFailed' });
      expect(existsSync(path)).toBe(false);
      expect(readdirSync(repo)).not.toContain('.nexus');
      // The directory was removed only after ensure no longer needed it.
      expect(provider.mountSourceGoneAtStart).toEqual([]);
      expect(getCondition(ws.status?.conditions, 'ContainerReady')?.status).not.toBe('False');
      expect(provider.calls.stop).toBe(0);

      // Fixed: the retry makes the worktree first (a runtime exists), and the container that
      // mounted the removed directory is restarted so that it mounts the new one.
      rmSync(join(repo, '.git/worktrees'));
      await waitFor(async () => getCondition((await get('nogit')).status?.conditions, 'Ready')?.status === 'True', 20_000, 'Ready');
    } finally {
      await manager.stop();
    }
    const ws = await get('nogit');
    expect(getCondition(ws.status?.conditions, 'WorktreeReady')?.status).toBe('True');
    expect(provider.calls.stop).toBe(1);
    expect(provider.worktreeAtEnsure.at(-1)).toEqual(['.git', 'README.md']);
    expect(logs.lines().map((l) => l['msg'])).toContainEqual(expect.stringMatching(/^workspace\/nogit: worktree .* made while the container ran/));
  });
});
