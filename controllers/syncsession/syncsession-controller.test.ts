// The SyncSession controller with two real local directories, a real embedded store and the real
// engine: status reaches Watching with InitialSyncComplete, files flow, spec.paused pauses,
// deletion removes the persisted ancestor, and a restarted daemon resumes from its ancestor
// without re-sending anything.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { API_VERSION } from '../../apis/meta.ts';
import type { SyncSession } from '../../apis/types/syncsession.ts';
import { realClock } from '../runtime/clock.ts';
import { getCondition } from '../runtime/conditions.ts';
import { Manager } from '../runtime/manager.ts';
import { captureLogs, getOrUndefined, openTempStore, waitFor, type TempStore } from '../runtime/testing.ts';
import { registerSyncSessions } from './register.ts';
import { sessionStateDir } from './runner.ts';
import { INITIAL_SYNC_COMPLETE } from './status.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startDaemon(store: TempStore, stateDir: string): Promise<{ stop: () => Promise<void> }> {
  const abort = new AbortController();
  const manager = new Manager({ client: store.client, clock: realClock, logger: captureLogs().logger, stopTimeoutMs: 5_000 });
  const runner = registerSyncSessions(manager, { stateDir, logger: captureLogs().logger, signal: abort.signal, runner: { statusIntervalMs: 50 } });
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
});
