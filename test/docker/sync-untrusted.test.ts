// The container side of a sync is untrusted (issue 11, item 1), against a real Docker engine:
// - a container that plants `evil -> /` and `evil2 -> ..` in its workspace folder and writes
//   through them causes no file outside the worktree on the host; a link inside the tree arrives
//   as a link;
// - a container whose own `find` and `tar` report `..` and `../escape.txt` (a hostile image) halts the
//   session with the UnsafePath reason, and nothing is written on the host; `apply --wait` of a
//   file-synced workspace with such an image ends at once, non-zero, with that message;
// - chained links made in the container (`d/up -> ../../../..`, `d/x -> up/../../..`) give the
//   host no link resolving outside the worktree (realpath on the host);
// - a host directory replaced by a link to outside (before, and in the race right before the
//   apply) never carries a container-side change outside the worktree.
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION } from '../../apis/meta.ts';
import type { SyncSession } from '../../apis/types/syncsession.ts';
import { parseCommandArgs } from '../../cmd/args.ts';
import applyCommand from '../../cmd/commands/apply.ts';
import { openStateDirClient } from '../../cmd/deps.ts';
import { ExitCode } from '../../cmd/exit-codes.ts';
import { createTestDeps } from '../../cmd/test-support.ts';
import { realClock } from '../../controllers/runtime/clock.ts';
import { getCondition } from '../../controllers/runtime/conditions.ts';
import { Manager } from '../../controllers/runtime/manager.ts';
import { captureLogs, getOrUndefined, openTempStore, waitFor, type TempStore } from '../../controllers/runtime/testing.ts';
import { createMemoryAncestorStore } from '../../controllers/sync/ancestor-store.ts';
import { createDockerEndpoint } from '../../controllers/sync/docker/docker-endpoint.ts';
import { removeSyncHelper } from '../../controllers/sync/docker/helper-container.ts';
import { createDockerProvider } from '../../controllers/providers/docker/index.ts';
import { createProviderRegistry } from '../../controllers/providers/registry.ts';
import type { Endpoint } from '../../controllers/sync/endpoint.ts';
import { createSyncEngine } from '../../controllers/sync/engine.ts';
import { createLocalEndpoint } from '../../controllers/sync/local/local-endpoint.ts';
import { syncUntilQuiet } from '../sync/matrix-support.ts';
import { registerSyncSessions } from '../../controllers/syncsession/register.ts';
import { diffSnapshots, snapshotTree } from '../hostile/tree-snapshot.ts';
import { CONTAINER_ROOT, startHelper, SYNC_TEST_LABELS } from './sync-support.ts';
import { BUSYBOX, DEBIAN, docker, requireEngine } from './support.ts';
import { eventually, getWorkspace, mainContainer, managedObjects, newRepo, removeObjects, removeRepos, runNamespace, startControllers } from './workspace-harness.ts';
import { FORCE_DELETE_ANNOTATION } from '../../apis/names/index.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

beforeAll(async () => {
  await requireEngine([BUSYBOX, DEBIAN]);
});

/** Runs `script` with sh inside `container`; rejects on a non-zero exit. */
async function sh(container: string, script: string): Promise<string> {
  const exec = await docker.getContainer(container).exec({ Cmd: ['sh', '-c', script], AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({});
  const chunks: Buffer[] = [];
  const sink = new Writable({ write: (c: Buffer, _e, done) => { chunks.push(c); done(); } });
  docker.modem.demuxStream(stream, sink, sink);
  await new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  const info = await exec.inspect();
  if (info.ExitCode !== 0) throw new Error(`sh in ${container} exited ${info.ExitCode}: ${Buffer.concat(chunks).toString()}`);
  return Buffer.concat(chunks).toString();
}

/**
 * A temporary world (`root` = the host worktree, `outside` beside it) and a container with an empty
 * tree: a sync helper (busybox), or a Debian container (its `sh` runs commands from PATH, where
 * busybox's runs its own applets first).
 */
async function setupWorld(image: 'helper' | 'debian' = 'helper'): Promise<{ world: string; root: string; outside: string; container: string }> {
  const world = await mkdtemp(join(tmpdir(), 'boulder-sync-untrusted-'));
  cleanups.push(() => rm(world, { recursive: true, force: true }));
  const root = join(world, 'root');
  const outside = join(world, 'outside');
  await mkdir(root);
  await mkdir(outside);
  await writeFile(join(outside, 'precious.txt'), 'precious');
  await writeFile(join(root, 'readme.txt'), 'hello from the host');
  let container: string;
  if (image === 'helper') {
    const helper = await startHelper();
    cleanups.push(() => removeSyncHelper(docker, helper.name, helper.volume));
    container = helper.name;
  } else {
    const created = await docker.createContainer({ Image: DEBIAN, Cmd: ['sleep', 'infinity'], Labels: SYNC_TEST_LABELS, name: `nexus-sync-test-${randomBytes(4).toString('hex')}` });
    cleanups.push(() => created.remove({ force: true }));
    await created.start();
    container = created.id;
  }
  await sh(container, `mkdir -p ${CONTAINER_ROOT}`);
  return { world, root, outside, container };
}

/** A daemon running the SyncSession controller against a temporary store. */
async function startDaemon(): Promise<{ store: TempStore; logs: ReturnType<typeof captureLogs> }> {
  const stateDir = await mkdtemp(join(tmpdir(), 'boulder-sync-untrusted-state-'));
  cleanups.push(() => rm(stateDir, { recursive: true, force: true }));
  const store = await openTempStore({ pollIntervalMs: 20 });
  cleanups.push(() => store.dispose());
  const logs = captureLogs();
  const abort = new AbortController();
  const manager = new Manager({ client: store.client, clock: realClock, logger: logs.logger, stopTimeoutMs: 5_000 });
  const runner = registerSyncSessions(manager, { stateDir, logger: logs.logger, signal: abort.signal, providers: createProviderRegistry([createDockerProvider({ docker })]), runner: { statusIntervalMs: 50 } });
  await manager.start();
  cleanups.push(async () => {
    await manager.stop();
    abort.abort();
    await runner.close();
  });
  return { store, logs };
}

function session(name: string, alpha: string, beta: string): SyncSession {
  return { apiVersion: API_VERSION, kind: 'SyncSession', metadata: { name, namespace: 'default' }, spec: { alpha, beta } };
}

/** Every symlink below `dir` (relative paths), found without following any link. */
function linksBelow(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isSymbolicLink()) out.push(path);
    else if (entry.isDirectory()) out.push(...linksBelow(dir, path));
  }
  return out;
}

/** Differences of the world outside the worktree (`root/…` entries are the sync's own business). */
function outsideRoot(diffs: string[]): string[] {
  return diffs.filter((d) => !/^(added|removed|changed) root(\/|:|$)/.test(d));
}

describe('sync: the container side is untrusted (real Docker engine)', () => {
  it('a container writing through evil -> / and evil2 -> .. causes no file outside the worktree; an inner link arrives as a link', async () => {
    const { world, root, container } = await setupWorld();
    const { store, logs } = await startDaemon();
    await store.client.create(session('evil-links', root, `docker://${container}${CONTAINER_ROOT}`));
    const get = (): Promise<SyncSession | undefined> => getOrUndefined<SyncSession>(store.client, 'SyncSession', 'evil-links');
    await waitFor(async () => getCondition((await get())?.status?.conditions, 'InitialSyncComplete')?.status === 'True', 30_000, 'initial sync');
    expect(await sh(container, `cat ${CONTAINER_ROOT}/readme.txt`)).toBe('hello from the host');

    const id = randomBytes(4).toString('hex');
    const hostTmpTarget = `/tmp/boulder-evil-${id}`;
    const before = snapshotTree(world);
    await sh(
      container,
      [
        `cd ${CONTAINER_ROOT}`,
        'ln -s / evil',
        'ln -s .. evil2',
        // Through the links: the container's own /tmp and the parent of its workspace folder.
        `echo through-root > evil/tmp/boulder-evil-${id}`,
        `echo through-parent > evil2/escaped-${id}`,
        `mkdir -p evil2/planted-${id} && echo planted > evil2/planted-${id}/x`,
        // A link that stays inside the tree, and a write through it.
        'mkdir sub && ln -s sub inner && echo through-inner > inner/through.txt',
        'echo after > after.txt',
      ].join(' && '),
    );
    await waitFor(() => existsSync(join(root, 'after.txt')) && existsSync(join(root, 'sub/through.txt')) && existsSync(join(root, 'inner')), 30_000, 'the container changes on the host');
    await new Promise((r) => setTimeout(r, 300));

    // Nothing outside the worktree: not where the links point on the host, not beside the worktree.
    expect(existsSync(hostTmpTarget)).toBe(false);
    expect(existsSync(join(world, `escaped-${id}`))).toBe(false);
    expect(existsSync(join(world, `planted-${id}`))).toBe(false);
    expect(outsideRoot(diffSnapshots(before, snapshotTree(world)))).toEqual([]);
    // The links leaving the tree are not carried (reported, never followed); no directory or file stands in for them.
    for (const name of ['evil', 'evil2']) expect(() => lstatSync(join(root, name))).toThrow(/ENOENT/);
    const warned = logs.lines().filter((l) => String(l['msg']).startsWith('not synchronised') && l['reason'] === 'symlink-outside-root').map((l) => l['path']);
    expect(warned).toEqual(expect.arrayContaining(['evil', 'evil2']));
    // The inner link arrives as a link (data), the file written through it as a file under sub/.
    expect(lstatSync(join(root, 'inner')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(root, 'inner'))).toBe('sub');
    expect(lstatSync(join(root, 'sub/through.txt')).isFile()).toBe(true);
    expect(await readFile(join(root, 'sub/through.txt'), 'utf8')).toBe('through-inner\n');
    expect((await get())?.status?.phase).toBe('Watching');
  });

  it('a hostile image whose find and tar report ".." and "../escape.txt" halts the session (UnsafePath); nothing is written on the host', async () => {
    const { world, root, container } = await setupWorld('debian');
    const id = randomBytes(4).toString('hex');
    // The workspace's own image: a `find` first in PATH that adds entries above the root to the
    // listing, with the real stat format the scan asked for (a real file exists there)…
    await sh(
      container,
      [
        `echo planted-by-the-container > /workspace/escape-${id}.txt`,
        'mkdir -p /usr/local/bin',
        `printf '%s\\n' '#!/bin/sh' '/usr/bin/find "$@"' 'if [ "$1" = . ]; then f=; n=0; for a in "$@"; do [ "$n" = 1 ] && f=$a; [ "$a" = -c ] && n=1 || n=0; done; stat -c "$f" ./.. ./../escape-${id}.txt; fi' > /usr/local/bin/find`,
        // …and a `tar` that keeps the leading "../" of the names it is asked to read (GNU tar -P).
        `printf '%s\\n' '#!/bin/sh' 'exec /usr/bin/tar -P "$@"' > /usr/local/bin/tar`,
        'chmod 755 /usr/local/bin/find /usr/local/bin/tar',
      ].join(' && '),
    );
    expect(await sh(container, `cd ${CONTAINER_ROOT} && find . -exec stat -c '%n//' {} +`)).toContain(`./../escape-${id}.txt//`);
    const before = snapshotTree(world);
    const { store } = await startDaemon();
    await store.client.create(session('hostile-find', root, `docker://${container}${CONTAINER_ROOT}`));
    const get = (): Promise<SyncSession | undefined> => getOrUndefined<SyncSession>(store.client, 'SyncSession', 'hostile-find');
    await waitFor(async () => (await get())?.status?.phase === 'Halted', 30_000, 'the session halts');
    const status = (await get())?.status;
    const ready = getCondition(status?.conditions, 'Ready');
    expect(ready).toMatchObject({ status: 'False', reason: 'UnsafePath' });
    expect(ready?.message).toContain('beta');
    expect(ready?.message).toMatch(/unsafe path \(PathEscapes\) "\.\."/);
    expect(getCondition(status?.conditions, 'InitialSyncComplete')?.status).toBe('False');
    await new Promise((r) => setTimeout(r, 300));
    expect(existsSync(join(world, `escape-${id}.txt`))).toBe(false);
    // Nothing written on either side: the host world (worktree included) is unchanged, and the
    // container did not receive the host's readme.
    expect(diffSnapshots(before, snapshotTree(world))).toEqual([]);
    expect(await sh(container, `ls -A ${CONTAINER_ROOT}`)).toBe('');
  });

  it('chained links (d/up -> ../../../.., d/x -> up/../../..) made in the container never give the host a link resolving outside', async () => {
    const { world, root, container } = await setupWorld();
    const { store, logs } = await startDaemon();
    await store.client.create(session('chained-links', root, `docker://${container}${CONTAINER_ROOT}`));
    const get = (): Promise<SyncSession | undefined> => getOrUndefined<SyncSession>(store.client, 'SyncSession', 'chained-links');
    await waitFor(async () => getCondition((await get())?.status?.conditions, 'InitialSyncComplete')?.status === 'True', 30_000, 'initial sync');
    const before = snapshotTree(world);
    // In the container: `up` resolves to the root (allowed), `x` three levels above it (`/` there).
    await sh(container, `cd ${CONTAINER_ROOT} && mkdir -p a/b/c/d && ln -s ../../../.. a/b/c/d/up && ln -s up/../../.. a/b/c/d/x && ln -s up/a a/b/c/d/fine && echo after > after.txt`);
    expect((await sh(container, `readlink -f ${CONTAINER_ROOT}/a/b/c/d/x`)).trim()).toBe('/');
    await waitFor(() => existsSync(join(root, 'after.txt')) && existsSync(join(root, 'a/b/c/d/fine')), 30_000, 'the container changes on the host');
    await new Promise((r) => setTimeout(r, 300));

    // Every link on the host resolves inside the worktree (checked by the kernel: realpath).
    const realRoot = realpathSync(root);
    const links = linksBelow(root);
    expect(links.sort()).toEqual(['a/b/c/d/fine', 'a/b/c/d/up']);
    for (const link of links) expect(relative(realRoot, realpathSync(join(root, link)))).not.toMatch(/^\.\.(\/|$)/);
    expect(() => lstatSync(join(root, 'a/b/c/d/x'))).toThrow(/ENOENT/);
    const warned = logs.lines().filter((l) => String(l['msg']).startsWith('not synchronised') && l['reason'] === 'symlink-outside-root').map((l) => l['path']);
    expect(warned).toContain('a/b/c/d/x');
    expect(getCondition((await get())?.status?.conditions, 'Ready')?.status).toBe('True');
    expect(outsideRoot(diffSnapshots(before, snapshotTree(world)))).toEqual([]);
  });

  it('apply --wait of a file-synced workspace whose image reports a hostile listing ends at once, non-zero, with the UnsafePath message', async () => {
    const id = randomBytes(4).toString('hex');
    // The workspace's own image (also its sync helper's): a `find` that adds ".." and "../escape.txt" to the listing.
    const base = await docker.createContainer({ Image: DEBIAN, Cmd: ['sleep', 'infinity'], Labels: SYNC_TEST_LABELS, name: `nexus-sync-test-${id}` });
    cleanups.push(() => base.remove({ force: true }));
    await base.start();
    await sh(
      base.id,
      [
        `echo planted-by-the-image > /escape-${id}.txt`,
        'mkdir -p /usr/local/bin',
        `printf '%s\\n' '#!/bin/sh' '/usr/bin/find "$@"' 'if [ "$1" = . ]; then f=; n=0; for a in "$@"; do [ "$n" = 1 ] && f=$a; [ "$a" = -c ] && n=1 || n=0; done; stat -c "$f" ./.. ./../escape-${id}.txt; fi' > /usr/local/bin/find`,
        'chmod 755 /usr/local/bin/find',
      ].join(' && '),
    );
    const image = `boulder-test/hostile-find:${id}`;
    await base.commit({ repo: 'boulder-test/hostile-find', tag: id });
    cleanups.push(async () => {
      // Whatever still runs the image (a sync helper left by a failed run), with its volumes, then the image.
      for (const info of await docker.listContainers({ all: true, filters: { ancestor: [image] } })) {
        await docker.getContainer(info.Id).remove({ force: true });
        for (const mount of info.Mounts) if (mount.Name !== undefined) await docker.getVolume(mount.Name).remove().catch(() => undefined);
      }
      await docker.getImage(image).remove({ force: true });
    });

    delete process.env['BOULDER_SYNC_HELPER_IMAGE'];
    const h = await startControllers();
    cleanups.push(() => h.stop());
    const ns = runNamespace('sync-untrusted');
    cleanups.push(async () => removeObjects(await managedObjects(ns)));
    const repo = newRepo({ 'app/readme.txt': 'hello\n' });
    cleanups.push(async () => removeRepos());
    const testDeps = await createTestDeps();
    cleanups.push(() => testDeps.cleanup());
    const deps = { ...testDeps, stateDir: h.stateDir, openClient: () => openStateDirClient(h.stateDir) };
    const manifest = join(testDeps.stateDir, 'ws.yaml');
    await writeFile(
      manifest,
      [
        'apiVersion: nexus.dev/v1alpha1',
        'kind: Workspace',
        `metadata: {name: hostile, namespace: ${ns}, annotations: {"${FORCE_DELETE_ANNOTATION}": "true"}}`,
        `spec: {backend: docker, image: "${image}", repository: {path: "${repo}"}, sync: {mode: two-way-safe}}`,
        '',
      ].join('\n'),
    );

    const started = performance.now();
    const code = await applyCommand.run(deps, parseCommandArgs('apply', applyCommand.options, ['-f', manifest, '--wait', '--timeout', '120s', '--no-daemon']));
    const elapsed = performance.now() - started;
    console.info(`[sync-untrusted] apply --wait of a workspace with a hostile image ended (${code}) in ${Math.round(elapsed)} ms`);
    expect(code).toBe(ExitCode.Error);
    expect(elapsed).toBeLessThan(30_000);
    expect(deps.err.text).toMatch(/failed: UnsafePath: file sync syncsession\/hostile-sync cannot complete: beta .* reported an unsafe path \(PathEscapes\) "\.\."/);
    // The session halted; the workspace's own container never started; nothing escaped.
    const ws = await getWorkspace(h.client, ns, 'hostile');
    expect(getCondition(ws?.status?.conditions, 'Stalled')).toMatchObject({ status: 'True', reason: 'UnsafePath' });
    expect(await mainContainer(ws!.metadata.uid!)).toBeUndefined();
    const synced = await h.client.get<SyncSession>('SyncSession', ns, 'hostile-sync');
    expect(synced.status?.phase).toBe('Halted');
    expect(existsSync(join(synced.spec.alpha, '..', `escape-${id}.txt`))).toBe(false);
    expect(existsSync(join(synced.spec.alpha, 'app/readme.txt'))).toBe(true);
    await h.client.delete('Workspace', ns, 'hostile');
    await eventually(async () => (await getWorkspace(h.client, ns, 'hostile')) === undefined, 60_000, 'workspace deleted');
    // Its session goes with it, and the session's helper (running the hostile image) with the session.
    await eventually(async () => (await h.client.list<SyncSession>('SyncSession', { namespace: ns })).items.length === 0, 30_000, 'session deleted');
    await eventually(async () => (await docker.listContainers({ all: true, filters: { ancestor: [image] } })).length === 0, 30_000, 'helper removed');
  }, 150_000);

  it('a host directory replaced by a link to outside (before, or right before the apply) never carries a container change outside', async () => {
    const { world, root, outside, container } = await setupWorld();
    await mkdir(join(root, 'sub'));
    await writeFile(join(root, 'sub/kept.txt'), 'kept');
    let swapBeforeApply = false;
    const local = createLocalEndpoint(root);
    const alpha: Endpoint = {
      ...local,
      async apply(ops, contents) {
        if (swapBeforeApply) {
          swapBeforeApply = false;
          await rename(join(root, 'sub'), join(root, 'sub.moved'));
          await symlink(outside, join(root, 'sub'));
        }
        return local.apply(ops, contents);
      },
    };
    const engine = createSyncEngine({ alpha, beta: createDockerEndpoint({ docker, container, root: CONTAINER_ROOT }), ancestorStore: createMemoryAncestorStore() });
    cleanups.push(() => engine.close());
    await syncUntilQuiet(engine);
    expect(await sh(container, `cat ${CONTAINER_ROOT}/sub/kept.txt`)).toBe('kept');
    const before = snapshotTree(world);

    // The race: the scan sees a directory, the apply meets a link.
    await sh(container, `echo from-the-container > ${CONTAINER_ROOT}/sub/race.txt`);
    swapBeforeApply = true;
    const raced = await engine.runCycle();
    expect(raced.problems).toContainEqual(expect.objectContaining({ side: 'alpha', path: 'sub/race.txt', message: expect.stringContaining('parent "sub" is a symlink') }));
    expect(existsSync(join(outside, 'race.txt'))).toBe(false);

    // Already a link when scanned: the change below it is not propagated either.
    await sh(container, `echo later > ${CONTAINER_ROOT}/sub/later.txt && echo over > ${CONTAINER_ROOT}/sub/precious.txt`);
    await syncUntilQuiet(engine).catch(() => undefined);
    await engine.runCycle();
    expect(existsSync(join(outside, 'later.txt'))).toBe(false);
    expect(await readFile(join(outside, 'precious.txt'), 'utf8')).toBe('precious');
    expect(lstatSync(join(root, 'sub')).isSymbolicLink()).toBe(true);
    expect(outsideRoot(diffSnapshots(before, snapshotTree(world)))).toEqual([]);
  });
});
