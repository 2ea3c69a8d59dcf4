// Container-side watchers live exactly as long as their session (issue 19): on the real Docker
// engine, a long-lived Debian container (no inotify-tools: the poll watcher) that had 30
// SyncSessions created (`boulder apply`) and deleted with `boulder delete ss NAME --wait` (the real
// CLI and background daemon) holds no boulder process but the live session's; none after
// `boulder daemon stop`; none after a daemon process is killed
// (SIGKILL: the engine ends the watcher's input). And a session on a local volume is watched from
// the host: no watcher process in the container at all, and container edits still arrive.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION } from '../../apis/meta.ts';
import { createMemoryAncestorStore } from '../../controllers/sync/ancestor-store.ts';
import { createDockerEndpoint } from '../../controllers/sync/docker/docker-endpoint.ts';
import { removeSyncHelper } from '../../controllers/sync/docker/helper-container.ts';
import { createSyncEngine } from '../../controllers/sync/engine.ts';
import { createLocalEndpoint } from '../../controllers/sync/local/local-endpoint.ts';
import { ensureBuilt, processAlive, runBoulder, tempStateDir, type RunResult } from '../cli/harness.ts';
import { startHelper, SYNC_TEST_LABELS } from './sync-support.ts';
import { BUSYBOX, DEBIAN, docker, requireEngine } from './support.ts';

const SESSIONS = 30;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

beforeAll(async () => {
  await requireEngine([BUSYBOX, DEBIAN]);
  await ensureBuilt();
}, 180_000);

/** Runs `script` with sh inside `container`; rejects on a non-zero exit. */
async function sh(container: string, script: string): Promise<string> {
  const exec = await docker.getContainer(container).exec({ Cmd: ['sh', '-c', script], AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({});
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write: (c: Buffer, _e, done) => {
      chunks.push(c);
      done();
    },
  });
  docker.modem.demuxStream(stream, sink, sink);
  await new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  const info = await exec.inspect();
  if (info.ExitCode !== 0) throw new Error(`sh in ${container} exited ${info.ExitCode}: ${Buffer.concat(chunks).toString()}`);
  return Buffer.concat(chunks).toString();
}

/** Every process's command line in the container (from /proc, so it needs no `ps` in the image). */
async function processes(container: string): Promise<string[]> {
  const out = await sh(container, `for p in /proc/[0-9]*; do [ "$p" = /proc/$$ ] && continue; c=$(tr '\\0' ' ' < "$p/cmdline" 2>/dev/null) || continue; [ -n "$c" ] && printf '%s\\n' "$c"; done; true`);
  return out.split('\n').filter((l) => l.trim() !== '' && !l.includes('/proc/[0-9]'));
}

/** The processes boulder started (agent, watcher, streams, inotifywait). */
async function boulderProcesses(container: string): Promise<string[]> {
  return (await processes(container)).filter((l) => /nexus-sync-|inotifywait/.test(l));
}

/** The distinct endpoint scratch ids (`.boulder-sync-agent-<hex>`) of boulder's processes: one per open endpoint. */
function endpointIds(lines: readonly string[]): Set<string> {
  return new Set(lines.flatMap((l) => [...l.matchAll(/\.boulder-sync-agent-([0-9a-f]+)/g)].map((m) => m[1]!)));
}

async function debianContainer(): Promise<string> {
  const created = await docker.createContainer({ Image: DEBIAN, Cmd: ['sleep', 'infinity'], Labels: SYNC_TEST_LABELS, name: `nexus-sync-watchers-${randomBytes(4).toString('hex')}` });
  cleanups.push(() => created.remove({ force: true }));
  await created.start();
  return created.id;
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('sync watchers end with their session and with the daemon (real Docker engine)', () => {
  it(`a container that had ${SESSIONS} sessions created and deleted (boulder delete ss --wait) holds only the live session's processes; none once the daemon stopped`, async () => {
    const container = await debianContainer();
    const world = await mkdtemp(join(tmpdir(), 'boulder-sync-watchers-'));
    cleanups.push(() => rm(world, { recursive: true, force: true }));
    const stateDir = await tempStateDir();
    const boulder = (args: string[], stdin?: string): Promise<RunResult> =>
      runBoulder(['--state-dir', stateDir, ...args], { env: { NEXUS_NODE_CONFIG: '', NEXUS_USER_CONFIG: '' }, timeoutMs: 60_000, ...(stdin !== undefined ? { stdin } : {}) });
    cleanups.push(async () => {
      const status = JSON.parse((await boulder(['daemon', 'status', '-o', 'json'])).stdout || '{}') as { pid?: number };
      await boulder(['daemon', 'stop', '--timeout', '20s']);
      if (status.pid !== undefined && processAlive(status.pid)) process.kill(status.pid, 'SIGKILL');
      await rm(stateDir, { recursive: true, force: true });
    });

    const open = async (name: string): Promise<string> => {
      const alpha = join(world, name);
      await mkdir(alpha);
      await sh(container, `mkdir -p /srv/${name}`);
      const manifest = `apiVersion: ${API_VERSION}\nkind: SyncSession\nmetadata:\n  name: ${name}\nspec:\n  alpha: ${alpha}\n  beta: docker://${container}/srv/${name}\n`;
      const applied = await boulder(['apply', '-f', '-'], manifest);
      expect(applied.code, applied.stderr).toBe(0);
      // The session's watcher runs in the container before it is deleted.
      await waitUntil(async () => (await boulderProcesses(container)).some((l) => l.includes('nexus-sync-watch') && l.includes(`/srv/${name} `)), 20_000, `watcher of ${name}`);
      return alpha;
    };

    const live = await open('live');
    for (let i = 0; i < SESSIONS; i++) {
      const name = `s${i}`;
      await open(name);
      const deleted = await boulder(['delete', 'ss', name, '--wait', '--timeout', '30s']);
      expect(deleted.code, deleted.stderr).toBe(0);
    }
    // What a deleted session started ends with it (a poll loop's sleep is killed with it).
    await waitUntil(async () => endpointIds(await boulderProcesses(container)).size <= 1, 5_000, 'only the live session to keep processes').catch(() => undefined);
    const left = await boulderProcesses(container);
    expect(left.filter((l) => /\/srv\/s\d+/.test(l)), left.join('\n')).toEqual([]);
    expect(endpointIds(left).size, left.join('\n')).toBe(1);
    expect(left.some((l) => l.includes('nexus-sync-watch') && l.includes('/srv/live '))).toBe(true);
    expect(left.some((l) => l.includes('nexus-sync-agent'))).toBe(true);

    // The live session still works: a container edit reaches the host.
    await sh(container, `printf live-edit > /srv/live/edit.txt`);
    await waitUntil(async () => (await readFile(join(live, 'edit.txt'), 'utf8').catch(() => '')) === 'live-edit', 15_000, 'the live edit on the host');

    const stopped = await boulder(['daemon', 'stop', '--timeout', '20s']);
    expect(stopped.code, stopped.stderr).toBe(0);
    await waitUntil(async () => (await boulderProcesses(container)).length === 0, 5_000, 'no boulder process after the daemon stopped').catch(() => undefined);
    expect(await boulderProcesses(container)).toEqual([]);
  }, 300_000);

  it('a killed daemon process (SIGKILL) leaves no watcher: the engine ends its input', async () => {
    const container = await debianContainer();
    await sh(container, 'mkdir -p /srv/k');
    const script = [
      `import Dockerode from 'dockerode';`,
      `import { createDockerEndpoint } from ${JSON.stringify(new URL('../../controllers/sync/docker/docker-endpoint.ts', import.meta.url).pathname)};`,
      `const ep = createDockerEndpoint({ docker: new Dockerode(), container: ${JSON.stringify(container)}, root: '/srv/k', hostWatch: false });`,
      `const it = ep.watch(new AbortController().signal)[Symbol.asyncIterator]();`,
      `void it.next(); console.log('watching'); setInterval(() => undefined, 1000);`,
    ].join('\n');
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: new URL('../..', import.meta.url).pathname, stdio: ['ignore', 'pipe', 'inherit'] });
    cleanups.push(async () => void child.kill('SIGKILL'));
    await waitUntil(async () => (await boulderProcesses(container)).some((l) => l.includes('nexus-sync-watch')), 15_000, 'the watcher to start');
    child.kill('SIGKILL');
    await waitUntil(async () => (await boulderProcesses(container)).length === 0, 10_000, 'the watcher to end after SIGKILL').catch(() => undefined);
    expect(await boulderProcesses(container)).toEqual([]);
  }, 60_000);

  it('a root on a local volume is watched from the host: no watcher in the container, container edits still arrive fast', async () => {
    const helper = await startHelper();
    cleanups.push(() => removeSyncHelper(docker, helper.name, helper.volume));
    await sh(helper.name, 'mkdir -p /workspace/tree');
    const alphaRoot = await mkdtemp(join(tmpdir(), 'boulder-sync-hostwatch-'));
    cleanups.push(() => rm(alphaRoot, { recursive: true, force: true }));
    const engine = createSyncEngine({
      alpha: createLocalEndpoint(alphaRoot),
      beta: createDockerEndpoint({ docker, container: helper.name, root: '/workspace/tree', pollIntervalMs: 60_000, pollMaxIntervalMs: 60_000 }),
      ancestorStore: createMemoryAncestorStore(),
    });
    cleanups.push(() => engine.close());
    const abort = new AbortController();
    cleanups.push(async () => abort.abort());
    const watching = engine.watch(abort.signal, {});
    await new Promise((r) => setTimeout(r, 1000));
    // With a 60 s poll only the host-side watch can bring this edit within a few seconds.
    const started = Date.now();
    await sh(helper.name, 'printf from-container > /workspace/tree/c.txt');
    await waitUntil(async () => (await readFile(join(alphaRoot, 'c.txt'), 'utf8').catch(() => '')) === 'from-container', 5_000, 'the container edit on the host');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect((await boulderProcesses(helper.name)).filter((l) => l.includes('nexus-sync-watch') || l.includes('inotifywait'))).toEqual([]);
    abort.abort();
    await watching;
  }, 60_000);
});
