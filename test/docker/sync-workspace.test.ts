// A file-synced Workspace (spec.sync.mode two-way-safe) on the real Docker engine, run the way
// the daemon runs it: worktree → sync volume → initial sync → container with the volume at
// /workspace; edits flow both ways; Stopped pauses the owned SyncSession and Running resumes it;
// deletion removes the session, its helper container and the volume.
import {
readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { updateWithRetry } from '../../apis/client/update.ts';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncSession } from '../../apis/types/syncsession.ts';
import type { Workspace } from '../../apis/types/index.ts';
import { syncVolumeName } from '../../controllers/workspace/desired.ts';
import {
  BUSYBOX,
  docker,
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

const NS = runNamespace('sync');
let h: ControllerHarness;

beforeAll(async () => {
  await requireEngine([BUSYBOX]);
  process.env['BOULDER_SYNC_HELPER_IMAGE'] = BUSYBOX;
  h = await startControllers();
});

afterAll(async () => {
  await h?.stop();
  removeRepos();
});

async function session(name: string): Promise<SyncSession | undefined> {
  try {
    return await h.client.get<SyncSession>('SyncSession', NS, `${name}-sync`);
  } catch {
    return undefined;
  }
}

describe('file-synced workspace', () => {
  it('syncs the worktree into a volume before starting, both ways, pauses when stopped, cleans up on delete', async () => {
    const repo = newRepo({ 'app/main.txt': 'tracked\n' });
    const name = 'synced';
    const created = await h.client.create<Workspace>(
      workspaceManifest(NS, name, { image: BUSYBOX, repository: { path: repo }, sync: { mode: 'two-way-safe' } }, { [FORCE_DELETE_ANNOTATION]: 'true' }),
    );
    const ws = await waitReady(h.client, NS, name, 60_000);
    const worktree = (await session(name))!.spec.alpha;
    expect(ws.status?.phase).toBe('Running');
    const container = await mainContainer(created.metadata.uid!);
    expect(container?.Mounts.find((m) => m.Destination === '/workspace')).toMatchObject({ Type: 'volume', Name: syncVolumeName(created.metadata.uid!) });
    // The initial sync completed before the container started: the file is there at once.
    expect((await dockerExec(container!.Id, ['cat', '/workspace/app/main.txt'])).stdout).toBe('tracked\n');

    await writeFile(path.join(worktree, 'app/host.txt'), 'from host\n');
    await eventually(async () => (await dockerExec(container!.Id, ['cat', '/workspace/app/host.txt'])).stdout === 'from host\n', 10_000, 'host → container');
    await dockerExec(container!.Id, ['sh', '-c', 'echo from container > /workspace/app/container.txt']);
    await eventually(async () => existsSync(path.join(worktree, 'app/container.txt')) && (await readFile(path.join(worktree, 'app/container.txt'), 'utf8')) === 'from container\n', 10_000, 'container → host');

    // Stopped → paused; Running → resumed.
    await updateWithRetry<Workspace>(h.client, { kind: 'Workspace', namespace: NS, name }, (w) => ({ ...w, spec: { ...w.spec, state: 'Stopped' } }));
    await eventually(async () => (await session(name))?.status?.phase === 'Paused', 20_000, 'session paused');
    await updateWithRetry<Workspace>(h.client, { kind: 'Workspace', namespace: NS, name }, (w) => ({ ...w, spec: { ...w.spec, state: 'Running' } }));
    await eventually(async () => (await session(name))?.spec.paused === false && (await session(name))?.status?.phase === 'Watching', 20_000, 'session resumed');

    const helper = `nexus-sync-${(await session(name))!.metadata.uid}`;
    // The helper carries the session's namespace, so one left behind is attributed (leftovers.test.ts).
    const [listedHelper] = await docker.listContainers({ all: true, filters: { name: [helper] } });
    expect(listedHelper?.Labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'boulder', 'nexus.dev/component': 'sync-helper', 'nexus.dev/namespace': NS });
    await h.client.delete('Workspace', NS, name);
    await eventually(async () => (await getWorkspace(h.client, NS, name)) === undefined && (await session(name)) === undefined, 30_000, 'workspace and session deleted');
    await eventually(async () => (await docker.listContainers({ all: true, filters: { name: [helper] } })).length === 0, 10_000, 'helper removed');
    await eventually(async () => ((await docker.listVolumes({ filters: { name: [syncVolumeName(created.metadata.uid!)] } })).Volumes ?? []).length === 0, 10_000, 'volume removed');
  }, 120_000);
});
