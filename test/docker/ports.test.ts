/**
 * PortBindings on the real Docker engine, driven the way `boulder daemon` drives them (embedded
 * store, Manager on the real clock, the daemon's forwarders in this process): real TCP traffic
 * through every binding to real servers in real containers (busybox httpd and an `nc` echo in
 * the workspace container, httpd in a service container); a foreign listener on a fixed port →
 * Conflict naming its pid → recovery once it is gone; a fixed port wanted by two workspaces of one
 * git repository belongs to the active one and follows the real `boulder switch`; a daemon
 * restart keeps every port. Every object lives in a namespace of this run; afterAll asserts that
 * nothing is left on the engine, no forwarder listens and no worktree remains.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PortBinding, Workspace } from '../../apis/types/index.ts';
import { probeFree } from '../../controllers/portbinding/allocator/probe.ts';
import { PORT_PLAN } from '../../controllers/portbinding/contracts.ts';
import { exchange, freePort } from '../ports/servers.ts';
import { PortForwarding } from '../../controllers/portbinding/forwarding.ts';
import { realClock } from '../../controllers/runtime/clock.ts';
import { getCondition } from '../../controllers/runtime/conditions.ts';
import { Manager } from '../../controllers/runtime/manager.ts';
import { captureLogs, openTempStore, type TempStore } from '../../controllers/runtime/testing.ts';
import { registerControllers } from '../../controllers/setup.ts';
import { ensureBuilt, runBoulder } from '../cli/harness.ts';
import {
  BUSYBOX,
  createdRepos,
  eventually,
  linkedWorktrees,
  managedObjects,
  newRepo,
  removeObjects,
  removeRepos,
  requireEngine,
  runNamespace,
  waitReady,
  workspaceManifest,
  worktreeDirs,
} from './workspace-harness.ts';

const NS = runNamespace('ports');
let store: TempStore;
let daemon: Daemon | undefined;
/** Every host port a binding of this file used (checked free at the end). */
const usedPorts = new Set<number>();
const timings: Record<string, number> = {};

interface Daemon {
  forwarding: PortForwarding;
  stop(): Promise<void>;
}

/** The daemon's wiring in-process on the shared store: Docker provider, events, forwarders. */
async function startDaemon(): Promise<Daemon> {
  const forwarding = new PortForwarding();
  const { logger } = captureLogs();
  const manager = new Manager({ client: store.client, clock: realClock, logger, stopTimeoutMs: 10_000 });
  registerControllers(manager, { client: store.client, clock: realClock, logger, stateDir: store.dir, forwarding, portConflictRetryMs: 200 });
  await manager.start();
  return {
    forwarding,
    async stop() {
      await manager.stop();
      await forwarding.close();
    },
  };
}

// Checked before every test (memoized) so that without an engine each test fails, none skips.
let engineReady: Promise<void> | undefined;
beforeEach(async () => {
  engineReady ??= requireEngine([BUSYBOX]);
  await engineReady;
});

beforeAll(async () => {
  store = await openTempStore();
  daemon = await startDaemon();
});

afterAll(async () => {
  const left = await store.client.list<Workspace>('Workspace', { namespace: NS });
  for (const ws of left.items) await store.client.delete('Workspace', NS, ws.metadata.name).catch(() => undefined);
  await eventually(async () => (await store.client.list('Workspace', { namespace: NS })).items.length === 0, 30_000, 'workspaces deleted').catch(() => undefined);
  await eventually(async () => (await store.client.list('PortBinding', { namespace: NS })).items.length === 0, 10_000, 'bindings deleted').catch(() => undefined);
  const forwarders = daemon?.forwarding.list() ?? [];
  await daemon?.stop();
  await store.dispose();
  const leftovers = await managedObjects(NS);
  await removeObjects(leftovers);
  const worktrees = createdRepos().flatMap((repo) => linkedWorktrees(repo).concat(worktreeDirs(repo).map((d) => `${repo}/.nexus/worktrees/${d}`)));
  removeRepos();
  const listening = [];
  for (const port of usedPorts) if (!(await probeFree('127.0.0.1', port, 'tcp'))) listening.push(port);
  console.info(`[ports] timings (ms): ${JSON.stringify(timings)}`);
  expect(leftovers).toEqual([]);
  expect(worktrees).toEqual([]);
  expect(forwarders).toEqual([]);
  expect(listening).toEqual([]);
}, 90_000);

/** Serves `hello-from-<hostname>` on :8080 (httpd) and an echo on :9000 (nc) in the workspace container. */
const SERVERS = [
  'mkdir -p /www && echo "hello-from-$(hostname)" > /www/index.html',
  'httpd -p 8080 -h /www',
  '(nc -ll -p 9000 -e cat </dev/null >/dev/null 2>&1 &)',
].join(' && ');

/** A service answering HTTP on :8081 with `hello-from-svc`. */
const HTTP_SERVICE = {
  image: BUSYBOX,
  command: ['sh', '-c', 'mkdir -p /www && echo hello-from-svc > /www/index.html && exec httpd -f -p 8081 -h /www'],
  ports: [{ containerPort: 8081 }],
};

async function binding(name: string): Promise<PortBinding | undefined> {
  try {
    return await store.client.get<PortBinding>('PortBinding', NS, name);
  } catch {
    return undefined;
  }
}

/** Polls the binding (every 20 ms) until `predicate` holds; the error shows its last status. */
async function waitBinding(name: string, predicate: (pb: PortBinding | undefined) => boolean, timeoutMs = 30_000): Promise<PortBinding> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pb = await binding(name);
    if (predicate(pb)) {
      const port = pb?.status?.hostPort;
      if (port !== undefined) usedPorts.add(port);
      return pb!;
    }
    if (Date.now() > deadline) throw new Error(`portbinding ${NS}/${name}: condition not reached in ${timeoutMs} ms; last status: ${JSON.stringify(pb?.status, null, 1)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const inPhase = (phase: string, hostPort?: number) => (pb: PortBinding | undefined): boolean =>
  pb?.status?.phase === phase && pb.status.observedGeneration === pb.metadata.generation && (hostPort === undefined || pb.status.hostPort === hostPort);

/** One HTTP GET on host:port (default 127.0.0.1) without connection reuse; the body, trimmed. */
function httpGet(port: number, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path: '/', agent: false, timeout: 3_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => (res.statusCode === 200 ? resolve(body.trim()) : reject(new Error(`HTTP ${res.statusCode}: ${body}`))));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

/** The body of a GET once the server behind the port answers (servers start with the container). */
async function eventuallyGet(port: number, expected: string, timeoutMs = 15_000): Promise<string> {
  let last = '';
  await eventually(
    async () => {
      last = await httpGet(port).catch((err: Error) => `error: ${err.message}`);
      return last === expected;
    },
    timeoutMs,
    `GET 127.0.0.1:${port} → ${expected} (last: ${last})`,
  );
  return last;
}

async function eventuallyEcho(port: number, payload: string, timeoutMs = 15_000): Promise<void> {
  let last = '';
  await eventually(
    async () => {
      last = await exchange(port, payload).then((b) => b.toString(), (err: Error) => `error: ${err.message}`);
      return last === payload;
    },
    timeoutMs,
    `echo through 127.0.0.1:${port} (last: ${JSON.stringify(last)})`,
  );
}

/** A separate `node` process listening on 127.0.0.1:port until killed. */
async function foreignListener(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(${port}, '127.0.0.1', () => console.log('ready'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`foreign listener exited (${code})`)));
  });
  return child;
}

describe('PortBindings on Docker (real traffic)', () => {
  const WS = 'pt-app';
  const bindings = [`${WS}-web`, `${WS}-echo`, `${WS}-svc-8081`];
  const ports = new Map<string, number>();

  it('forwards real HTTP and echo traffic through every binding of a workspace and its service', async () => {
    const started = Date.now();
    await store.client.create(
      workspaceManifest(NS, WS, { image: BUSYBOX, ports: { web: { containerPort: 8080 }, echo: { containerPort: 9000 } }, services: { svc: HTTP_SERVICE }, scripts: { postStart: SERVERS } }),
    );
    await waitReady(store.client, NS, WS, 60_000);
    for (const name of bindings) {
      const pb = await waitBinding(name, inPhase('Bound'));
      expect(pb.status!.hostPort).toBeGreaterThanOrEqual(PORT_PLAN.docker.start);
      expect(pb.status!.hostPort).toBeLessThanOrEqual(PORT_PLAN.docker.end);
      expect(pb.status!.target).toMatch(/^\d+\.\d+\.\d+\.\d+:\d+$/);
      expect(pb.status!.target).not.toMatch(/^127\./);
      ports.set(name, pb.status!.hostPort!);
    }
    timings['applyToBound'] = Date.now() - started;
    const web = ports.get(`${WS}-web`)!;
    expect((await binding(`${WS}-web`))!.status!.url).toBe(`http://127.0.0.1:${web}`);
    expect(await eventuallyGet(web, `hello-from-${WS}`)).toBe(`hello-from-${WS}`);
    await eventuallyEcho(ports.get(`${WS}-echo`)!, 'ping through the forwarder');
    expect(await eventuallyGet(ports.get(`${WS}-svc-8081`)!, 'hello-from-svc')).toBe('hello-from-svc');
    // Round trips on fresh connections, through the forwarder and straight to the container.
    const [targetHost, targetPort] = (await binding(`${WS}-web`))!.status!.target!.split(':') as [string, string];
    const mean = async (get: () => Promise<string>): Promise<number> => {
      const t0 = performance.now();
      for (let i = 0; i < 50; i++) expect(await get()).toBe(`hello-from-${WS}`);
      return Math.round(((performance.now() - t0) / 50) * 1000) / 1000;
    };
    timings['httpGetDirect'] = await mean(() => httpGet(Number(targetPort), targetHost));
    timings['httpGetViaForwarder'] = await mean(() => httpGet(web));
  });

  it('reports a foreign listener on a fixed port as Conflict naming its pid, and recovers when it is gone', async () => {
    const fixed = await freePort();
    usedPorts.add(fixed);
    const foreign = await foreignListener(fixed);
    try {
      await store.client.create<PortBinding>({ apiVersion: 'nexus.dev/v1alpha1', kind: 'PortBinding', metadata: { name: `${WS}-fixed`, namespace: NS }, spec: { workspace: WS, name: 'web2', containerPort: 8080, hostPort: fixed } });
      const conflicted = await waitBinding(`${WS}-fixed`, inPhase('Conflict'));
      const message = `127.0.0.1:${fixed} is held by pid ${foreign.pid} (node)`;
      expect(getCondition(conflicted.status!.conditions, 'Conflict')).toMatchObject({ status: 'True', reason: 'PortInUse', message });
      expect(conflicted.status!.holder).toEqual({ pid: foreign.pid, command: 'node' });
    } finally {
      foreign.kill('SIGKILL');
      await once(foreign, 'exit');
    }
    const started = Date.now();
    const recovered = await waitBinding(`${WS}-fixed`, inPhase('Bound', fixed));
    timings['conflictRecovery'] = Date.now() - started;
    expect(recovered.status!.holder).toBeUndefined();
    expect(await eventuallyGet(fixed, `hello-from-${WS}`)).toBe(`hello-from-${WS}`);
    ports.set(`${WS}-fixed`, fixed);
  });

  it('a daemon restart keeps every port and forwards again', async () => {
    const before = new Map<string, string>();
    for (const name of ports.keys()) before.set(name, (await binding(name))!.metadata.resourceVersion!);
    await daemon!.stop();
    for (const port of ports.values()) expect(await probeFree('127.0.0.1', port, 'tcp')).toBe(true);
    const started = Date.now();
    daemon = await startDaemon();
    for (const [name, port] of ports) {
      const pb = await waitBinding(name, inPhase('Bound', port));
      // Converged bindings cause no status write: nothing in the store changed.
      expect(pb.metadata.resourceVersion).toBe(before.get(name));
    }
    await eventuallyGet(ports.get(`${WS}-web`)!, `hello-from-${WS}`);
    timings['restartToTraffic'] = Date.now() - started;
    await eventuallyEcho(ports.get(`${WS}-echo`)!, 'after restart');
    await eventuallyGet(ports.get(`${WS}-svc-8081`)!, 'hello-from-svc');
    await eventuallyGet(ports.get(`${WS}-fixed`)!, `hello-from-${WS}`);
  });

  it('deleting the workspace deletes its bindings and frees their ports', async () => {
    await store.client.delete('PortBinding', NS, `${WS}-fixed`);
    await store.client.delete('Workspace', NS, WS);
    for (const name of [...bindings, `${WS}-fixed`]) await waitBinding(name, (pb) => pb === undefined);
    for (const port of ports.values()) expect(await probeFree('127.0.0.1', port, 'tcp')).toBe(true);
  });
});

describe('a fixed port shared by the workspaces of one repository', () => {
  it('belongs to the active workspace and moves with `boulder switch`', async () => {
    await ensureBuilt();
    const repo = newRepo();
    const fixed = await freePort();
    usedPorts.add(fixed);
    const spec = { image: BUSYBOX, repository: { path: repo }, ports: { web: { containerPort: 8080, hostPort: fixed } }, scripts: { postStart: SERVERS } };
    await store.client.create(workspaceManifest(NS, 'pt-feat-a', spec));
    await waitReady(store.client, NS, 'pt-feat-a', 60_000);
    await store.client.create(workspaceManifest(NS, 'pt-feat-b', spec));
    await waitReady(store.client, NS, 'pt-feat-b', 60_000);

    // No active workspace recorded: the oldest running one has the port; the other stands by on its own.
    await waitBinding('pt-feat-a-web', inPhase('Bound', fixed));
    const standby = await waitBinding('pt-feat-b-web', inPhase('Standby'));
    const ownPort = standby.status!.hostPort!;
    expect(ownPort).not.toBe(fixed);
    expect(getCondition(standby.status!.conditions, 'Bound')?.message).toBe(
      `port ${fixed} belongs to workspace pt-feat-a (no active workspace recorded; the oldest running one has it) (boulder switch pt-feat-b to take it)`,
    );
    expect(await eventuallyGet(fixed, 'hello-from-pt-feat-a')).toBe('hello-from-pt-feat-a');
    expect(await eventuallyGet(ownPort, 'hello-from-pt-feat-b')).toBe('hello-from-pt-feat-b');

    const boulder = (...args: string[]): ReturnType<typeof runBoulder> => runBoulder(['--state-dir', store.dir, '-n', NS, ...args], { timeoutMs: 90_000 });
    const started = Date.now();
    const toB = await boulder('switch', 'pt-feat-b', '--no-daemon', '--timeout', '60s');
    expect(toB.stderr).toBe('');
    expect(toB.stdout).toMatch(/^switched to pt-feat-b in \d+ ms \(paused: pt-feat-a\)\n$/);
    expect(toB.code).toBe(0);
    await waitBinding('pt-feat-b-web', inPhase('Bound', fixed));
    expect(await eventuallyGet(fixed, 'hello-from-pt-feat-b')).toBe('hello-from-pt-feat-b');
    timings['switchToTrafficOnFixedPort'] = Date.now() - started;
    // `boulder switch` records the active workspace on the Workspace (no controller reads
    // .nexus/current): the message names the recorded one.
    const activeMessage = `port ${fixed} belongs to the active workspace pt-feat-b (boulder switch pt-feat-a to take it)`;
    const aStandby = await waitBinding('pt-feat-a-web', (pb) => inPhase('Standby')(pb) && getCondition(pb?.status?.conditions, 'Bound')?.message === activeMessage, 5_000);
    expect(aStandby.status!.hostPort).not.toBe(fixed);
    // .nexus/current is the CLI's convenience copy, read by no controller: rewriting it moves nothing.
    writeFileSync(join(repo, '.nexus', 'current'), 'pt-feat-a\n');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await httpGet(fixed)).toBe('hello-from-pt-feat-b');
    expect((await binding('pt-feat-a-web'))!.status!.phase).toBe('Standby');

    const ports = await boulder('ports', 'pt-feat-b', '-o', 'env');
    expect(ports).toMatchObject({ code: 0, stdout: `WEB_PORT=${fixed}\n` });

    const toA = await boulder('switch', 'pt-feat-a', '--no-daemon', '--timeout', '60s');
    expect(toA.code).toBe(0);
    await waitBinding('pt-feat-a-web', inPhase('Bound', fixed));
    // pt-feat-b goes back to the port it was given before: allocations are never silently changed.
    await waitBinding('pt-feat-b-web', inPhase('Standby', ownPort));
    expect(await eventuallyGet(fixed, 'hello-from-pt-feat-a')).toBe('hello-from-pt-feat-a');

    await store.client.delete('Workspace', NS, 'pt-feat-a');
    await store.client.delete('Workspace', NS, 'pt-feat-b');
    await eventually(async () => (await store.client.list('Workspace', { namespace: NS })).items.length === 0, 30_000, 'workspaces deleted');
  });
});
