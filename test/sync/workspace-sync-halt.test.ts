// A file-synced Workspace waiting for its initial sync whose owned SyncSession cannot complete it
// (halted: a hostile listing, reported through the real engine by the scripted endpoint) reports
// the session's failure as its own — Ready=False with the session's reason and message, Stalled for
// its current generation, no container started — and waits again once the halt is cleared, the
// Stalled mark gone. The mock provider stands in for Docker. (Under test/: it drives two kinds,
// the Workspace controller and a SyncSession status, which no kind's own folder may import.)
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ResourceClient } from '../../apis/client/types.ts';
import { terminalFailureOf } from '../../apis/terminal.ts';
import type { Workspace } from '../../apis/types/index.ts';
import type { SyncSession } from '../../apis/types/syncsession.ts';
import { createTestDeps, type TestDeps } from '../../cmd/test-support.ts';
import { MockProvider } from '../../controllers/providers/mock/mock-provider.ts';
import { FakeClock } from '../../controllers/runtime/clock.ts';
import { getCondition } from '../../controllers/runtime/conditions.ts';
import { silentLogger } from '../../controllers/runtime/logger.ts';
import { Manager } from '../../controllers/runtime/manager.ts';
import { writeStatusIfChanged } from '../../controllers/runtime/status-writer.ts';
import { createMemoryAncestorStore } from '../../controllers/sync/ancestor-store.ts';
import { createSyncEngine } from '../../controllers/sync/engine.ts';
import { createLocalEndpoint } from '../../controllers/sync/local/local-endpoint.ts';
import { createScriptedEndpoint } from './scripted-endpoint.ts';
import { sessionStatus } from '../../controllers/syncsession/status.ts';
import { registerControllers } from '../../controllers/setup.ts';

let deps: TestDeps;
let client: ResourceClient;
let repo: string;
let docker: MockProvider;
const now = new Date('2026-01-01T00:00:00Z');

beforeEach(async () => {
  deps = await createTestDeps();
  client = await deps.openClient();
  repo = await mkdtemp(join(tmpdir(), 'boulder-sync-halt-'));
  execFileSync('git', ['init', '-q', '-b', 'main', repo]);
  execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '--allow-empty', '-m', 'init']);
  docker = Object.defineProperty(new MockProvider(), 'backend', { value: 'docker' });
});
afterEach(async () => {
  await client.close();
  await deps.cleanup();
  await rm(repo, { recursive: true, force: true });
});

/** One `boulder reconcile --once` pass of the Workspace controller (no sync engines run in it). */
async function reconcileOnce(): Promise<void> {
  const manager = new Manager({ client, clock: new FakeClock(now) });
  registerControllers(manager, { client, clock: new FakeClock(now), logger: silentLogger(), stateDir: deps.stateDir, providers: [docker] });
  await manager.runUntilIdle({ timeoutMs: 60_000 });
}

const workspace = (): Promise<Workspace> => client.get<Workspace>('Workspace', 'default', 'web');
const session = (): Promise<SyncSession> => client.get<SyncSession>('SyncSession', 'default', 'web-sync');

/** The status the SyncSession controller writes after one real engine cycle against a scripted (hostile) container side. */
async function haltedByHostileListing(worktree: string, generation: number | undefined): Promise<SyncSession['status']> {
  const engine = createSyncEngine({
    alpha: createLocalEndpoint(worktree),
    beta: createScriptedEndpoint('container', { entries: [{ path: '..', kind: 'directory' }, { path: '../escape.txt', kind: 'file', content: 'x' }] }),
    ancestorStore: createMemoryAncestorStore(),
  });
  try {
    const result = await engine.runCycle();
    expect(result.halted?.reason).toBe('unsafe-path');
    return sessionStatus(undefined, { engine: engine.status(), initialSyncDone: false }, generation, now);
  } finally {
    await engine.close();
  }
}

describe('a Workspace whose initial sync halts', () => {
  it('reports the session\'s failure as its own (Ready=False, Stalled) and drops it when the halt clears', async () => {
    await client.create<Workspace>({
      apiVersion: 'nexus.dev/v1alpha1',
      kind: 'Workspace',
      metadata: { name: 'web', namespace: 'default' },
      spec: { backend: 'docker', image: 'busybox', repository: { path: repo }, sync: { mode: 'two-way-safe' } },
    });
    await reconcileOnce();
    const created = await session();
    expect(terminalFailureOf(await workspace())).toBeUndefined();

    const halted = await haltedByHostileListing(created.spec.alpha, created.metadata.generation);
    await writeStatusIfChanged(client, created, halted);
    await reconcileOnce();

    const failed = await workspace();
    const haltMessage = getCondition(halted?.conditions, 'Ready')?.message ?? '';
    expect(haltMessage).toContain('unsafe path (PathEscapes)');
    expect(getCondition(failed.status?.conditions, 'Ready')).toMatchObject({ status: 'False', reason: 'UnsafePath', observedGeneration: failed.metadata.generation });
    expect(getCondition(failed.status?.conditions, 'Ready')?.message).toBe(`file sync syncsession/web-sync cannot complete: ${haltMessage}`);
    expect(terminalFailureOf(failed)).toEqual({ reason: 'UnsafePath', message: `file sync syncsession/web-sync cannot complete: ${haltMessage}` });
    expect(failed.status?.phase).toBe('Failed');
    // The container never started.
    expect(docker.size()).toBe(0);
    expect(docker.calls.ensure).toBe(0);

    // The user resets the session and it syncs again: the workspace waits for it, no longer stalled.
    const stalledSession = await session();
    await writeStatusIfChanged(client, stalledSession, sessionStatus(stalledSession.status, { engine: { activity: 'scanning', paused: false, conflicts: [], bytesTransferred: 0, errorCount: 0 }, initialSyncDone: false }, stalledSession.metadata.generation, now));
    expect(terminalFailureOf(await session())).toBeUndefined();
    await reconcileOnce();
    const waiting = await workspace();
    expect(terminalFailureOf(waiting)).toBeUndefined();
    expect(waiting.status?.conditions?.some((c) => c.type === 'Stalled')).toBe(false);
    expect(getCondition(waiting.status?.conditions, 'Ready')).toMatchObject({ status: 'False', reason: 'WaitingForSync' });
    expect(waiting.status?.phase).toBe('Pending');
  });
});
