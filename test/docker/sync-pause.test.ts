// One owner per object and per field, on the real Docker engine with the daemon's wiring
// in-process and the real `boulder sync` commands: a file-synced Workspace has exactly one
// SyncSession (`<name>-sync`, owned by it); `boulder sync pause` on it holds (phase Paused) across
// Workspace reconciles forced by touching the Workspace, by a short resync period and by an owner
// write of the session (spec.sync.exclude changed on the Workspace), until
// `boulder sync resume`; the same file edited meanwhile in the host worktree and inside the
// container is then a listed conflict with both versions kept, each on its side.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Workspace } from '../../apis/types/index.ts';
import type { SyncSession } from '../../apis/types/syncsession.ts';
import { parseCommandArgs } from '../../cmd/args.ts';
import syncCommand from '../../cmd/commands/sync.ts';
import { openStateDirClient } from '../../cmd/deps.ts';
import { ExitCode } from '../../cmd/exit-codes.ts';
import { createTestDeps, type TestDeps } from '../../cmd/test-support.ts';
import { updateWithRetry } from '../../apis/client/update.ts';
import {
  BUSYBOX,
  dockerExec,
  eventually,
  getWorkspace,
  mainContainer,
  newRepo,
  removeRepos,
  requireEngine,
  runNamespace,
  startControllers,
  waitReady,
  workspaceManifest,
  type ControllerHarness,
} from './workspace-harness.ts';
import { FORCE_DELETE_ANNOTATION } from '../../apis/names/index.ts';
import { docker } from './support.ts';

const NS = runNamespace('sync-pause');
let h: ControllerHarness;
let deps: TestDeps;

beforeAll(async () => {
  await requireEngine([BUSYBOX]);
  process.env['BOULDER_SYNC_HELPER_IMAGE'] = BUSYBOX;
  // A short resync: the Workspace controller re-converges (and re-checks its session) every second.
  h = await startControllers({ resyncPeriodMs: 1_000 });
  // The CLI in-process on the daemon's state dir (its own store connection, as a second process would have).
  const base = await createTestDeps();
  deps = { ...base, stateDir: h.stateDir, openClient: () => openStateDirClient(h.stateDir) };
});

afterAll(async () => {
  await h?.stop();
  await deps?.cleanup();
  removeRepos();
});

/** `boulder sync ARGS… -n NS`; returns the exit code and what it printed. */
async function sync(...args: string[]): Promise<{ code: number; out: string }> {
  deps.out.text = '';
  const code = await syncCommand.run(deps, parseCommandArgs('sync', syncCommand.options, [...args, '-n', NS]));
  return { code, out: deps.out.text };
}

async function session(name: string): Promise<SyncSession> {
  return h.client.get<SyncSession>('SyncSession', NS, `${name}-sync`);
}

/** How many reconciles of the workspace finished so far (from the controllers' summary lines). */
function workspaceReconciles(name: string): number {
  return h.logLines().filter((l) => l['kind'] === 'Workspace' && l['key'] === `${NS}/${name}` && l['msg'] === 'reconciled').length;
}

describe('pausing a workspace-owned sync session', () => {
  it('holds across Workspace reconciles until resumed; edits on both sides meanwhile become a conflict keeping both', async () => {
    const repo = newRepo({ 'app/notes.txt': 'base\n' });
    const name = 'paused';
    const created = await h.client.create<Workspace>(
      workspaceManifest(NS, name, { image: BUSYBOX, repository: { path: repo }, sync: { mode: 'two-way-safe' } }, { [FORCE_DELETE_ANNOTATION]: 'true' }),
    );
    await waitReady(h.client, NS, name, 60_000);

    // Exactly one session, the Workspace's own.
    const sessions = (await h.client.list<SyncSession>('SyncSession', { namespace: NS })).items;
    expect(sessions.map((s) => s.metadata.name)).toEqual([`${name}-sync`]);
    expect(sessions[0]?.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Workspace', uid: created.metadata.uid, controller: true })]);
    const worktree = sessions[0]!.spec.alpha;
    const container = (await mainContainer(created.metadata.uid!))!;
    const hostFile = path.join(worktree, 'app/notes.txt');
    const inContainer = async (): Promise<string> => (await dockerExec(container.Id, ['cat', '/workspace/app/notes.txt'])).stdout;
    expect(await inContainer()).toBe('base\n');
    await eventually(async () => (await session(name)).status?.phase === 'Watching', 20_000, 'Watching');

    expect(await sync('pause', name)).toEqual({ code: ExitCode.Ok, out: `syncsession/${name}-sync paused\n` });
    await eventually(async () => (await session(name)).status?.phase === 'Paused', 10_000, 'Paused');

    // Both sides edit the same file while paused.
    await writeFile(hostFile, 'edited on the host\n');
    expect((await dockerExec(container.Id, ['sh', '-c', 'echo edited in the container > /workspace/app/notes.txt'])).exitCode).toBe(0);

    // Several Workspace reconciles: touched (a label) three times, and resyncs every second.
    for (let touch = 1; touch <= 3; touch++) {
      const before = workspaceReconciles(name);
      await updateWithRetry<Workspace>(h.client, { kind: 'Workspace', namespace: NS, name }, (w) => ({
        ...w,
        metadata: { ...w.metadata, labels: { ...w.metadata.labels, touched: String(touch) } },
      }));
      await eventually(() => workspaceReconciles(name) >= before + 2, 10_000, `workspace reconciled after touch ${touch}`);
      const held = await session(name);
      expect(held.spec.paused).toBe(true);
      expect(held.status?.phase).toBe('Paused');
      expect(await readFile(hostFile, 'utf8')).toBe('edited on the host\n');
      expect(await inContainer()).toBe('edited in the container\n');
    }
    expect((await getWorkspace(h.client, NS, name))?.status?.phase).toBe('Running');

    // A field the owner does own changes (spec.sync.exclude): the Workspace really rewrites the
    // session (new resourceVersion and generation, the engine restarted with the new rules), and the pause holds.
    const beforeOwnerWrite = await session(name);
    await updateWithRetry<Workspace>(h.client, { kind: 'Workspace', namespace: NS, name }, (w) => ({
      ...w,
      spec: { ...w.spec, sync: { ...w.spec.sync, mode: 'two-way-safe', exclude: ['*.log'] } },
    }));
    await eventually(async () => (await session(name)).spec.exclude?.includes('*.log') === true, 10_000, 'the owner wrote exclude into the session');
    const rewritten = await session(name);
    expect(rewritten.metadata.generation).toBeGreaterThan(beforeOwnerWrite.metadata.generation ?? 0);
    expect(rewritten.spec.paused).toBe(true);
    await eventually(async () => (await session(name)).status?.observedGeneration === rewritten.metadata.generation, 10_000, 'the session controller saw the new spec');
    await new Promise((r) => setTimeout(r, 500));
    const stillHeld = await session(name);
    expect(stillHeld.spec.paused).toBe(true);
    expect(stillHeld.status?.phase).toBe('Paused');
    expect(await readFile(hostFile, 'utf8')).toBe('edited on the host\n');
    expect(await inContainer()).toBe('edited in the container\n');

    // Resumed: the next cycle finds both edits, lists the conflict and keeps each version on its side.
    expect(await sync('resume', name)).toEqual({ code: ExitCode.Ok, out: `syncsession/${name}-sync resumed\n` });
    await eventually(async () => (await session(name)).status?.conflicts?.some((c) => c.path === 'app/notes.txt') === true, 20_000, 'conflict listed');
    const resumed = await session(name);
    expect(resumed.status?.phase).toBe('Watching');
    expect(resumed.status?.conflicts).toEqual([{ path: 'app/notes.txt', type: 'both-modified', alpha: 'modified file', beta: 'modified file' }]);
    expect(await readFile(hostFile, 'utf8')).toBe('edited on the host\n');
    expect(await inContainer()).toBe('edited in the container\n');
    // What the user sees.
    const conflicts = await sync('conflicts', name);
    expect(conflicts.code).toBe(ExitCode.Conflict);
    expect(conflicts.out).toContain('app/notes.txt');

    const helper = `nexus-sync-${resumed.metadata.uid}`;
    await h.client.delete('Workspace', NS, name);
    await eventually(async () => (await getWorkspace(h.client, NS, name)) === undefined, 30_000, 'workspace deleted');
    // The session and its helper container go too, before the controllers stop (a helper left running would leak).
    await eventually(async () => (await h.client.list<SyncSession>('SyncSession', { namespace: NS })).items.length === 0, 30_000, 'session deleted');
    await eventually(async () => (await docker.listContainers({ all: true, filters: { name: [helper] } })).length === 0, 30_000, 'helper removed');
  }, 150_000);
});
