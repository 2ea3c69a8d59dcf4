// The SyncSession controller with two real local directories, a real embedded store and the real
// engine: status reaches Watching with InitialSyncComplete, files flow, spec.paused pauses,
// deletion removes the persisted ancestor, a restarted daemon resumes from its ancestor without
// re-sending anything, and an owning Workspace that is not Running holds the session without
// touching the user's spec.paused.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { API_VERSION } from '../../apis/meta.ts';
import type { Workspace } from '../../apis/types/index.ts';
import type { SyncSession } from '../../apis/types/syncsession.ts';
import { updateWithRetry } from '../../apis/client/update.ts';
import { realClock } from '../runtime/clock.ts';
import { getCondition } from '../runtime/conditions.ts';
import { Manager } from '../runtime/manager.ts';
import { captureLogs, getOrUndefined, openTempStore, waitFor, type TempStore } from '../runtime/testing.ts';
import { registerSyncSessions } from './register.ts';
import { sessionStateDir } from './runner.ts';
import { INITIAL_SYNC_COMPLETE } from '../../apis/names/index.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startDaemon(store: TempStore, stateDir: string): Promise<{ stop: () => Promise<void> }> {
  const abort = new AbortController();
  const manager = new Manager({ client: store.client, clock: realClock, logger: captureLogs().logger, stopTimeoutMs: 5_000 });
  const runner = registerSyncSessions(manager, {
    stateDir,
    logger: captureLogs().logger,
    signal: abort.signal,
    runner: { statusIntervalMs: 50 },
  });
  await manager.start();
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await manager.stop();
    abort.abort();
    await runner.close();
  };
  cleanups.push(stop);
  return { stop };
}

async function setup(): Promise<{ store: TempStore; base: string; alpha: string; beta: string; stateDir: string }> {
  const store = await openTempStore({ pollIntervalMs: 20 });
  cleanups.push(() => store.dispose());
  const base = await mkdtemp(join(tmpdir(), 'boulder-syncsession-'));
  cleanups.push(() => rm(base, { recursive: true, force: true }));
  const alpha = join(base, 'alpha');
  const beta = join(base, 'beta');
  await mkdir(alpha);
  await mkdir(beta);
  return { store, base, alpha, beta, stateDir: join(base, 'state') };
}

function sessionObject(name: string, alpha: string, beta: string, paused = false): SyncSession {
  return { apiVersion: API_VERSION, kind: 'SyncSession', metadata: { name, namespace: 'default' }, spec: { alpha, beta, paused } };
}

const get = (store: TempStore, name: string): Promise<SyncSession | undefined> => getOrUndefined<SyncSession>(store.client, 'SyncSession', name);

describe('SyncSession controller', () => {
  it('syncs, reports status, pauses on spec.paused and cleans up on delete', async () => {
    const { store, alpha, beta, stateDir } = await setup();
    await writeFile(join(alpha, 'a.txt'), 'from host');
    await writeFile(join(beta, 'b.txt'), 'from container');
    await startDaemon(store, stateDir);
    await store.client.create(sessionObject('s1', alpha, beta));
    await waitFor(async () => getCondition((await get(store, 's1'))?.status?.conditions, INITIAL_SYNC_COMPLETE)?.status === 'True', 10_000, 'initial sync');
    expect(await readFile(join(beta, 'a.txt'), 'utf8')).toBe('from host');
    expect(await readFile(join(alpha, 'b.txt'), 'utf8')).toBe('from container');
    await waitFor(async () => (await get(store, 's1'))?.status?.phase === 'Watching', 10_000, 'Watching');
    const status = (await get(store, 's1'))!.status!;
    expect(status.filesTotal).toBe(2);
    expect(status.filesSynced).toBe(2);
    expect(status.bytesTransferred).toBe('from host'.length + 'from container'.length);
    expect(status.conflicts).toEqual([]);
    const uid = (await get(store, 's1'))!.metadata.uid!;
    expect(existsSync(join(sessionStateDir(stateDir, uid), 'ancestor.json'))).toBe(true);

    // A watched edit propagates.
    await writeFile(join(alpha, 'a.txt'), 'edited on host');
    await waitFor(async () => (await readFile(join(beta, 'a.txt'), 'utf8')) === 'edited on host', 10_000, 'edit propagated');

    // Pause: phase Paused and nothing propagates.
    const live = (await get(store, 's1'))!;
    await store.client.update({ ...live, spec: { ...live.spec, paused: true } });
    await waitFor(async () => (await get(store, 's1'))?.status?.phase === 'Paused', 10_000, 'Paused');
    await writeFile(join(alpha, 'while-paused.txt'), 'later');
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(existsSync(join(beta, 'while-paused.txt'))).toBe(false);
    const paused = (await get(store, 's1'))!;
    await store.client.update({ ...paused, spec: { ...paused.spec, paused: false } });
    await waitFor(() => existsSync(join(beta, 'while-paused.txt')), 10_000, 'resumed');

    // Delete: the finalizer stops the engine and removes the ancestor.
    await store.client.delete('SyncSession', 'default', 's1');
    await waitFor(async () => (await get(store, 's1')) === undefined, 10_000, 'deleted');
    expect(existsSync(sessionStateDir(stateDir, uid))).toBe(false);
  });

  it('after a daemon restart resumes from the persisted ancestor without re-sending files', async () => {
    const { store, alpha, beta, stateDir } = await setup();
    for (let i = 0; i < 20; i++) await writeFile(join(alpha, `f${i}.txt`), `content ${i}`.repeat(50));
    const first = await startDaemon(store, stateDir);
    await store.client.create(sessionObject('s2', alpha, beta));
    await waitFor(async () => (await get(store, 's2'))?.status?.filesSynced === 20, 10_000, 'initial sync');
    expect((await get(store, 's2'))!.status!.bytesTransferred).toBeGreaterThan(0);
    await first.stop();
    await writeFile(join(alpha, 'while-down.txt'), 'changed while the daemon was down');
    await startDaemon(store, stateDir);
    await waitFor(() => existsSync(join(beta, 'while-down.txt')), 10_000, 'change made while down');
    await waitFor(async () => (await get(store, 's2'))?.status?.filesSynced === 21, 10_000, 'status after restart');
    // Only the new file crossed: nothing unchanged was re-sent.
    expect((await get(store, 's2'))!.status!.bytesTransferred).toBe('changed while the daemon was down'.length);
  });

  it('an owning workspace that is not Running holds the session; the user\'s pause survives the workspace\'s changes', async () => {
    const { store, alpha, beta, stateDir } = await setup();
    await startDaemon(store, stateDir);
    // The owner only exists in the store here (no Workspace controller runs): its spec.state is what counts.
    const ws = await store.client.create<Workspace>({
      apiVersion: API_VERSION,
      kind: 'Workspace',
      metadata: { name: 'web', namespace: 'default' },
      spec: { backend: 'mock', image: 'busybox', sync: { mode: 'two-way-safe' } },
    });
    const owner = { apiVersion: API_VERSION, kind: 'Workspace', name: 'web', uid: ws.metadata.uid!, controller: true, blockOwnerDeletion: true };
    await store.client.create<SyncSession>({ ...sessionObject('web-sync', alpha, beta), metadata: { name: 'web-sync', namespace: 'default', ownerReferences: [owner] }, spec: { workspace: 'web', alpha, beta } });
    const phase = async (): Promise<string | undefined> => (await get(store, 'web-sync'))?.status?.phase;
    const setState = (state: 'Running' | 'Stopped' | 'Paused') =>
      updateWithRetry<Workspace>(store.client, { kind: 'Workspace', namespace: 'default', name: 'web' }, (w) => ({ ...w, spec: { ...w.spec, state } }));
    const setPaused = (paused: boolean) =>
      updateWithRetry<SyncSession>(store.client, { kind: 'SyncSession', namespace: 'default', name: 'web-sync' }, (s) => ({ ...s, spec: { ...s.spec, paused } }));
    await waitFor(async () => (await phase()) === 'Watching', 10_000, 'Watching');

    // The workspace stops: held (and says why), without writing spec.paused; it runs again: resumed.
    await setState('Stopped');
    await waitFor(async () => (await phase()) === 'Paused', 10_000, 'held while Stopped');
    expect(getCondition((await get(store, 'web-sync'))?.status?.conditions, 'Ready')?.message).toBe('sync is held: workspace web is Stopped');
    expect((await get(store, 'web-sync'))?.spec.paused ?? false).toBe(false);
    await writeFile(join(alpha, 'while-stopped.txt'), 'later');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(existsSync(join(beta, 'while-stopped.txt'))).toBe(false);
    await setState('Running');
    await waitFor(() => existsSync(join(beta, 'while-stopped.txt')), 10_000, 'resumed with the workspace');
    await waitFor(async () => (await phase()) === 'Watching', 10_000, 'Watching again');

    // The user pauses: the workspace stopping and running again does not resume it.
    await setPaused(true);
    await waitFor(async () => (await phase()) === 'Paused', 10_000, 'paused by the user');
    await setState('Stopped');
    await setState('Running');
    await writeFile(join(alpha, 'while-paused.txt'), 'later');
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await phase()).toBe('Paused');
    expect(getCondition((await get(store, 'web-sync'))?.status?.conditions, 'Ready')?.message).toMatch(/^sync is paused/);
    expect(existsSync(join(beta, 'while-paused.txt'))).toBe(false);
    // Resumed by the user while the workspace is stopped: still held until it runs.
    await setState('Stopped');
    await setPaused(false);
    await waitFor(async () => getCondition((await get(store, 'web-sync'))?.status?.conditions, 'Ready')?.message === 'sync is held: workspace web is Stopped', 10_000, 'held');
    expect(existsSync(join(beta, 'while-paused.txt'))).toBe(false);
    await setState('Running');
    await waitFor(() => existsSync(join(beta, 'while-paused.txt')), 10_000, 'resumed');
    // Settled before the daemon stops (a cycle still writing its caches would race the temp dir's removal).
    await waitFor(async () => (await phase()) === 'Watching' && (await get(store, 'web-sync'))?.status?.filesSynced === 2, 10_000, 'settled');
  });
});
