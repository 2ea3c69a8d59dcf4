// Field ownership between the Workspace controller and the user, with the mock provider standing
// in for Docker and the real `boulder sync pause|resume` and `boulder workspace sync-pause`: the
// owned SyncSession's spec.paused survives every Workspace reconcile (a label touched, stop and
// run again, an owned field changed), and only the user's resume clears it.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ResourceClient } from '../../apis/client/types.ts';
import type { Workspace } from '../../apis/types/index.ts';
import type { SyncSession } from '../../apis/types/syncsession.ts';
import { parseCommandArgs } from '../args.ts';
import syncCommand from './sync.ts';
import workspaceCommand from './workspace.ts';
import { createTestDeps, type TestDeps } from '../test-support.ts';
import { updateWithRetry } from '../../apis/client/update.ts';
import { MockProvider } from '../../controllers/providers/mock/mock-provider.ts';
import { FakeClock } from '../../controllers/runtime/clock.ts';
import { silentLogger } from '../../controllers/runtime/logger.ts';
import { Manager } from '../../controllers/runtime/manager.ts';
import { registerControllers } from '../../controllers/setup.ts';

let deps: TestDeps;
let client: ResourceClient;
let repo: string;
let docker: MockProvider;

beforeEach(async () => {
  deps = await createTestDeps();
  client = await deps.openClient();
  repo = await mkdtemp(join(tmpdir(), 'boulder-owner-'));
  execFileSync('git', ['init', '-q', '-b', 'main', repo]);
  execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '--allow-empty', '-m', 'init']);
  // One mock provider for the whole test (it keeps the runtime), answering for the docker backend.
  docker = Object.defineProperty(new MockProvider(), 'backend', { value: 'docker' });
});
afterEach(async () => {
  await client.close();
  await deps.cleanup();
  await rm(repo, { recursive: true, force: true });
});

/** One `boulder reconcile --once` pass of the Workspace controller (no sync engines: a one-shot reconcile leaves them alone). */
async function reconcileOnce(): Promise<void> {
  const clock = new FakeClock(new Date('2026-01-01T00:00:00Z'));
  const manager = new Manager({ client, clock });
  registerControllers(manager, { client, clock, logger: silentLogger(), stateDir: deps.stateDir, providers: [docker] });
  await manager.runUntilIdle({ timeoutMs: 60_000 });
}

const sync = (...args: string[]): Promise<number> => syncCommand.run(deps, parseCommandArgs('sync', syncCommand.options, args));
const ws = (...args: string[]): Promise<number> => workspaceCommand.run(deps, parseCommandArgs('workspace', workspaceCommand.options, args));
const session = (): Promise<SyncSession> => client.get<SyncSession>('SyncSession', 'default', 'web-sync');
const changeWorkspace = (change: (w: Workspace) => Workspace): Promise<unknown> =>
  updateWithRetry<Workspace>(client, { kind: 'Workspace', namespace: 'default', name: 'web' }, change);

describe('the owned SyncSession\'s pause belongs to the user', () => {
  it('survives every Workspace reconcile until resumed', async () => {
    await client.create<Workspace>({
      apiVersion: 'nexus.dev/v1alpha1',
      kind: 'Workspace',
      metadata: { name: 'web', namespace: 'default' },
      spec: { backend: 'docker', image: 'busybox', repository: { path: repo }, sync: { mode: 'two-way-safe' } },
    });
    await reconcileOnce();
    expect((await session()).spec.paused ?? false).toBe(false);

    expect(await sync('pause', 'web')).toBe(0);
    expect(deps.out.text).toBe('syncsession/web-sync paused\n');
    const paused = await session();
    expect(paused.spec.paused).toBe(true);

    // Touched (a label): reconciled, the session is not even written.
    await changeWorkspace((w) => ({ ...w, metadata: { ...w.metadata, labels: { ...w.metadata.labels, touched: '1' } } }));
    await reconcileOnce();
    expect((await session()).metadata.resourceVersion).toBe(paused.metadata.resourceVersion);
    // Stopped and running again.
    for (const state of ['Stopped', 'Running'] as const) {
      await changeWorkspace((w) => ({ ...w, spec: { ...w.spec, state } }));
      await reconcileOnce();
      expect((await session()).spec.paused).toBe(true);
    }
    // An owned field changes: the owner updates the session, and keeps the pause.
    await changeWorkspace((w) => ({ ...w, spec: { ...w.spec, sync: { mode: 'two-way-safe', exclude: ['node_modules/'] } } }));
    await reconcileOnce();
    expect((await session()).spec).toMatchObject({ exclude: ['node_modules/'], paused: true });
    // ... and removes it again when the workspace drops it.
    await changeWorkspace((w) => ({ ...w, spec: { ...w.spec, sync: { mode: 'two-way-safe' } } }));
    await reconcileOnce();
    expect((await session()).spec.exclude).toBeUndefined();
    expect((await session()).spec.paused).toBe(true);

    // Only the user resumes it; `workspace sync-pause` is the same intent.
    expect(await sync('resume', 'web')).toBe(0);
    await reconcileOnce();
    expect((await session()).spec.paused).toBe(false);
    expect(await ws('sync-pause', 'web')).toBe(0);
    await changeWorkspace((w) => ({ ...w, metadata: { ...w.metadata, labels: { ...w.metadata.labels, touched: '2' } } }));
    await reconcileOnce();
    expect((await session()).spec.paused).toBe(true);

    // Resumed while the workspace is stopped: the user's pause is gone, and the command says the workspace still holds the sync.
    await changeWorkspace((w) => ({ ...w, spec: { ...w.spec, state: 'Stopped' } }));
    await reconcileOnce();
    deps.err.text = '';
    expect(await sync('resume', 'web')).toBe(0);
    expect((await session()).spec.paused).toBe(false);
    expect(deps.err.text).toBe('note: workspace web is Stopped: its sync stays held until it runs again\n');
  });
});
