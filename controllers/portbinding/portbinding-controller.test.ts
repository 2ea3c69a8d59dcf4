/**
 * The PortBinding controller end to end in-process: the embedded store, the mock provider (whose
 * containers are reached at 127.0.0.1, so real servers in this process stand in for the
 * workspaces' processes), the real allocator and real forwarders — real TCP traffic through
 * every binding.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_VERSION } from '../../apis/meta.ts';
import type { PortBinding, Workspace } from '../../apis/types/index.ts';
import { realClock } from '../runtime/clock.ts';
import { getCondition } from '../runtime/conditions.ts';
import { Manager } from '../runtime/manager.ts';
import { captureLogs, getOrUndefined, openTempStore, waitFor, type TempStore } from '../runtime/testing.ts';
import { MockProvider } from '../providers/mock/mock-provider.ts';
import { registerControllers } from '../setup.ts';
import { writeCurrentWorkspace } from '../worktree/current.ts';
import { initRepo, makeTempDir, removeTempDirs } from '../worktree/test-repos.ts';
import { PORT_PLAN, type PortRange } from './contracts.ts';
import { probeFree } from './allocator/probe.ts';
import { createSocket } from 'node:dgram';
import { exchange, freePort, startEchoServer, startUdpEcho } from '../../test/ports/servers.ts';
import { PortForwarding } from './forwarding.ts';
import { ACTIVE_WORKSPACE_SINCE_ANNOTATION, CLEANUP_FINALIZER } from '../../apis/names/index.ts';

let store: TempStore;
let provider: MockProvider;
const cleanups: (() => Promise<void> | void)[] = [];

beforeEach(async () => {
  store = await openTempStore();
  provider = new MockProvider();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await store.dispose();
  removeTempDirs();
});

interface Daemon {
  manager: Manager;
  forwarding: PortForwarding;
  stop(): Promise<void>;
}

/** The daemon's wiring in-process: a started manager with forwarders, stopped after the test. */
async function startDaemon(options: { portRange?: PortRange } = {}): Promise<Daemon> {
  const forwarding = new PortForwarding();
  const { logger } = captureLogs();
  const manager = new Manager({ client: store.client, clock: realClock, logger, stopTimeoutMs: 5_000 });
  registerControllers(manager, {
    client: store.client,
    clock: realClock,
    logger,
    stateDir: store.dir,
    providers: [provider],
    forwarding,
    portConflictRetryMs: 100,
    ...(options.portRange !== undefined ? { portRange: options.portRange } : {}),
  });
  await manager.start();
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      await manager.stop();
      await forwarding.close();
    })());
  cleanups.push(stop);
  return { manager, forwarding, stop };
}

/** `boulder reconcile --once` in-process (no forwarders). */
async function reconcileOnce(): Promise<void> {
  const { logger } = captureLogs();
  const manager = new Manager({ client: store.client, clock: realClock, logger });
  registerControllers(manager, { client: store.client, clock: realClock, logger, stateDir: store.dir, providers: [provider] });
  await manager.runUntilIdle({ timeoutMs: 30_000 });
}

/** A TCP server that greets every connection with `text` and closes it. */
async function greeter(text: string): Promise<number> {
  const server: Server = createServer((socket) => socket.end(text));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

async function echo(): Promise<number> {
  const server = await startEchoServer();
  cleanups.push(() => server.close());
  return server.port;
}

function workspace(name: string, spec: Partial<Workspace['spec']>): Workspace {
  return { apiVersion: API_VERSION, kind: 'Workspace', metadata: { name }, spec: { backend: 'mock', image: 'busybox', ...spec } } as Workspace;
}

async function binding(name: string): Promise<PortBinding | undefined> {
  return getOrUndefined<PortBinding>(store.client, 'PortBinding', name);
}

async function bindings(): Promise<PortBinding[]> {
  return (await store.client.list<PortBinding>('PortBinding')).items;
}

/** Polls the binding until `predicate` holds; the error shows its last status. */
async function waitBinding(name: string, predicate: (pb: PortBinding | undefined) => boolean, timeoutMs = 10_000): Promise<PortBinding | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pb = await binding(name);
    if (predicate(pb)) return pb;
    if (Date.now() > deadline) throw new Error(`portbinding ${name}: condition not reached; last: ${JSON.stringify(pb?.status)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const phase = (p: string) => (pb: PortBinding | undefined) => pb?.status?.phase === p && pb.status.observedGeneration === pb.metadata.generation;

async function read(port: number): Promise<string> {
  return (await exchange(port, '')).toString();
}

describe('PortBinding controller (embedded store, mock provider, real forwarders)', () => {
  it('creates owned bindings, allocates from the Docker range and forwards real traffic through each', async () => {
    const web = await greeter('hello-web');
    const echoPort = await echo();
    const db = await greeter('hello-db');
    await store.client.create(
      workspace('alpha', {
        ports: { web: { containerPort: web }, tunnel: { containerPort: echoPort } },
        services: { postgres: { image: 'postgres:16', ports: [{ containerPort: db }] } },
      }),
    );
    await startDaemon();
    const names = ['alpha-web', 'alpha-tunnel', `alpha-postgres-${db}`];
    const bound = await Promise.all(names.map((n) => waitBinding(n, phase('Bound'))));
    const ws = (await getOrUndefined<Workspace>(store.client, 'Workspace', 'alpha'))!;
    for (const pb of bound) {
      expect(pb!.metadata.labels).toEqual({ 'nexus.dev/workspace': 'alpha' });
      expect(pb!.metadata.ownerReferences).toEqual([{ apiVersion: API_VERSION, kind: 'Workspace', name: 'alpha', uid: ws.metadata.uid, controller: true, blockOwnerDeletion: true }]);
      expect(pb!.metadata.finalizers).toEqual([CLEANUP_FINALIZER]);
      expect(pb!.status!.hostPort).toBeGreaterThanOrEqual(PORT_PLAN.docker.start);
      expect(pb!.status!.hostPort).toBeLessThanOrEqual(PORT_PLAN.docker.end);
      expect(pb!.status!.allocation?.hostPort).toBe(pb!.status!.hostPort);
      expect(getCondition(pb!.status!.conditions, 'Ready')).toMatchObject({ status: 'True', reason: 'Bound' });
      expect(getCondition(pb!.status!.conditions, 'Conflict')).toMatchObject({ status: 'False' });
    }
    const [webPb, tunnelPb, dbPb] = bound as PortBinding[];
    // One workspace, one slot: web at offset 1, database at offset 3, the role-less port at offset 5.
    const slotStart = webPb!.status!.hostPort! - 1;
    expect((slotStart - PORT_PLAN.docker.start) % PORT_PLAN.slotSize).toBe(0);
    expect(dbPb!.status!.hostPort).toBe(slotStart + 3);
    expect(tunnelPb!.status!.hostPort).toBe(slotStart + 5);
    // The workspace summarises its bindings' host ports for `kubectl get` / `boulder get`.
    await waitFor(async () => (await getOrUndefined<Workspace>(store.client, 'Workspace', 'alpha'))?.status?.ports !== undefined, 10_000, 'status.ports');
    await waitFor(
      async () => (await getOrUndefined<Workspace>(store.client, 'Workspace', 'alpha'))?.status?.ports === `web:${slotStart + 1},tunnel:${slotStart + 5},postgres-${db}:${slotStart + 3}`,
      10_000,
      'status.ports with every binding',
    );
    expect(webPb!.status!.url).toBe(`http://127.0.0.1:${webPb!.status!.hostPort}`);
    expect(tunnelPb!.status!.url).toBe(`tcp://127.0.0.1:${tunnelPb!.status!.hostPort}`);
    expect(dbPb!.spec).toMatchObject({ service: 'postgres', name: `postgres-${db}`, containerPort: db, hostIP: '127.0.0.1' });
    expect(webPb!.status!.target).toBe(`127.0.0.1:${web}`);

    expect(await read(webPb!.status!.hostPort!)).toBe('hello-web');
    expect((await exchange(tunnelPb!.status!.hostPort!, 'ping-through')).toString()).toBe('ping-through');
    expect(await read(dbPb!.status!.hostPort!)).toBe('hello-db');
  });

  it('keeps every port across a daemon restart and re-establishes the forwarders', async () => {
    const web = await greeter('again');
    await store.client.create(workspace('beta', { ports: { web: { containerPort: web }, api: { containerPort: web } } }));
    const first = await startDaemon();
    const before = await Promise.all(['beta-web', 'beta-api'].map((n) => waitBinding(n, phase('Bound'))));
    await first.stop();
    // Nothing listens while the daemon is down.
    for (const pb of before) expect(await probeFree('127.0.0.1', pb!.status!.hostPort!, 'tcp')).toBe(true);

    const second = await startDaemon();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const after = await Promise.all(['beta-web', 'beta-api'].map((n) => waitBinding(n, (pb) => pb?.status?.phase === 'Bound')));
    for (const [i, pb] of after.entries()) {
      expect(pb!.status!.hostPort).toBe(before[i]!.status!.hostPort);
      // A converged binding causes no status write: the restart changed nothing in the store.
      expect(pb!.metadata.resourceVersion).toBe(before[i]!.metadata.resourceVersion);
      await waitForListening(second.forwarding, pb!.metadata.uid!);
      expect(await read(pb!.status!.hostPort!)).toBe('again');
    }
  });

  it('follows spec.ports changes without recreating the container, and deletes with the workspace', async () => {
    const a = await greeter('A');
    const b = await greeter('B');
    await store.client.create(workspace('gamma', { ports: { web: { containerPort: a } } }));
    await startDaemon();
    const web = (await waitBinding('gamma-web', phase('Bound')))!;
    const ws = (await getOrUndefined<Workspace>(store.client, 'Workspace', 'gamma'))!;
    const containerId = ws.status?.containerId;
    expect(containerId).toBeDefined();

    // Add a port, fix the web port's host port, both in one spec change.
    const fixed = await freePort();
    await store.client.update<Workspace>({ ...ws, spec: { ...ws.spec, ports: { web: { containerPort: a, hostPort: fixed }, admin: { containerPort: b } } } });
    const moved = (await waitBinding('gamma-web', (pb) => phase('Bound')(pb) && pb?.status?.hostPort === fixed))!;
    expect(moved.metadata.uid).toBe(web.metadata.uid);
    expect(moved.metadata.generation).toBe(2);
    expect(await read(fixed)).toBe('A');
    const admin = (await waitBinding('gamma-admin', phase('Bound')))!;
    expect(await read(admin.status!.hostPort!)).toBe('B');
    // The old port is free again; the container was not recreated.
    expect(await probeFree('127.0.0.1', web.status!.hostPort!, 'tcp')).toBe(true);
    const afterChange = (await getOrUndefined<Workspace>(store.client, 'Workspace', 'gamma'))!;
    expect(afterChange.status?.containerId).toBe(containerId);

    // Remove a port: its binding goes and its forwarder stops.
    await store.client.update<Workspace>({ ...afterChange, spec: { ...afterChange.spec, ports: { web: { containerPort: a, hostPort: fixed } } } });
    await waitBinding('gamma-admin', (pb) => pb === undefined);
    expect(await probeFree('127.0.0.1', admin.status!.hostPort!, 'tcp')).toBe(true);

    // Delete the workspace: the bindings are deleted with it (owner references) and stop forwarding.
    await store.client.delete('Workspace', 'default', 'gamma');
    await waitBinding('gamma-web', (pb) => pb === undefined);
    expect(await probeFree('127.0.0.1', fixed, 'tcp')).toBe(true);
  });

  it('reports a foreign listener as Conflict naming its pid, and recovers once it is gone', async () => {
    const web = await greeter('recovered');
    const fixed = await freePort();
    const foreign = await foreignListener(fixed);
    await store.client.create(workspace('delta', { ports: { web: { containerPort: web, hostPort: fixed } } }));
    await startDaemon();
    const conflicted = (await waitBinding('delta-web', phase('Conflict')))!;
    const message = `127.0.0.1:${fixed} is held by pid ${foreign.pid} (node)`;
    expect(getCondition(conflicted.status!.conditions, 'Conflict')).toMatchObject({ status: 'True', reason: 'PortInUse', message });
    expect(getCondition(conflicted.status!.conditions, 'Bound')).toMatchObject({ status: 'False', reason: 'PortInUse' });
    expect(conflicted.status!.holder).toEqual({ pid: foreign.pid, command: 'node' });
    expect(conflicted.status!.hostPort).toBe(fixed);

    foreign.kill('SIGKILL');
    await once(foreign, 'exit');
    const recovered = (await waitBinding('delta-web', phase('Bound')))!;
    expect(recovered.status!.holder).toBeUndefined();
    expect(recovered.status!.hostPort).toBe(fixed);
    expect(await read(fixed)).toBe('recovered');
  });

  it('gives a fixed port to the active workspace of a repository; the others stand by on their own port', async () => {
    const parent = makeTempDir('boulder-pb-');
    const repo = initRepo(parent);
    const serverA = await greeter('from-a');
    const serverB = await greeter('from-b');
    const fixed = await freePort();
    const spec = (server: number): Partial<Workspace['spec']> => ({ repository: { path: repo }, ports: { web: { containerPort: server, hostPort: fixed } } });
    // What `boulder switch` records: the active workspace, on the Workspace itself.
    const activate = async (name: string): Promise<void> => {
      const ws = (await getOrUndefined<Workspace>(store.client, 'Workspace', name))!;
      const at = new Date().toISOString();
      await store.client.update<Workspace>({ ...ws, metadata: { ...ws.metadata, annotations: { ...ws.metadata.annotations, [ACTIVE_WORKSPACE_SINCE_ANNOTATION]: at, 'nexus.dev/switch-requested-at': at } } });
    };
    await store.client.create(workspace('feature-a', spec(serverA)));
    await store.client.create(workspace('feature-b', spec(serverB)));
    await activate('feature-a');
    await startDaemon();

    const owner = (await waitBinding('feature-a-web', phase('Bound')))!;
    expect(owner.status!.hostPort).toBe(fixed);
    const standby = (await waitBinding('feature-b-web', phase('Standby')))!;
    const standbyText = `port ${fixed} belongs to the active workspace feature-a (boulder switch feature-b to take it)`;
    expect(getCondition(standby.status!.conditions, 'Bound')).toMatchObject({ status: 'False', reason: 'Standby', message: standbyText });
    expect(getCondition(standby.status!.conditions, 'Ready')).toMatchObject({ status: 'True', reason: 'Standby' });
    const ownPort = standby.status!.hostPort!;
    expect(ownPort).toBeGreaterThanOrEqual(PORT_PLAN.docker.start);
    expect(standby.status!.allocation?.hostPort).toBe(ownPort);
    expect(await read(fixed)).toBe('from-a');
    expect(await read(ownPort)).toBe('from-b');

    // .nexus/current is the CLI's convenience copy: no controller reads it, so it moves nothing.
    await writeCurrentWorkspace(repo, 'feature-b');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await binding('feature-a-web'))!.status!.hostPort).toBe(fixed);
    expect(await read(fixed)).toBe('from-a');

    // What `boulder switch feature-b` records on the store moves the port.
    await new Promise((resolve) => setTimeout(resolve, 2)); // a later switch time than feature-a's
    await activate('feature-b');
    await waitBinding('feature-b-web', (pb) => phase('Bound')(pb) && pb?.status?.hostPort === fixed);
    const nowStandby = (await waitBinding('feature-a-web', phase('Standby')))!;
    expect(getCondition(nowStandby.status!.conditions, 'Bound')?.message).toBe(`port ${fixed} belongs to the active workspace feature-b (boulder switch feature-a to take it)`);
    expect(await read(fixed)).toBe('from-b');
    expect(await read(nowStandby.status!.hostPort!)).toBe('from-a');
    // The Workspace controller's reconciles since left the record alone (it writes no annotation).
    const recorded = (await getOrUndefined<Workspace>(store.client, 'Workspace', 'feature-b'))!;
    expect(recorded.metadata.annotations?.[ACTIVE_WORKSPACE_SINCE_ANNOTATION]).toBeDefined();
    expect(recorded.status?.conditions?.length).toBeGreaterThan(0);

    // Switching back: feature-b returns to the port it was allocated before, never a new one.
    await new Promise((resolve) => setTimeout(resolve, 2));
    await activate('feature-a');
    await waitBinding('feature-b-web', (pb) => phase('Standby')(pb) && pb?.status?.hostPort === ownPort);
    await waitBinding('feature-a-web', (pb) => phase('Bound')(pb) && pb?.status?.hostPort === fixed);
    expect(await read(fixed)).toBe('from-a');
  });

  it('without a daemon allocates and reports the port; the daemon then forwards the same port', async () => {
    const web = await greeter('later');
    await store.client.create(workspace('eps', { ports: { web: { containerPort: web } } }));
    await reconcileOnce();
    const pending = (await binding('eps-web'))!;
    expect(pending.status?.phase).toBe('Pending');
    expect(getCondition(pending.status!.conditions, 'Bound')).toMatchObject({ status: 'False', reason: 'DaemonNotRunning' });
    expect(getCondition(pending.status!.conditions, 'Bound')?.message).toBe(`host port 127.0.0.1:${pending.status!.hostPort} is allocated; forwarding needs the daemon (boulder daemon)`);
    await startDaemon();
    const bound = (await waitBinding('eps-web', phase('Bound')))!;
    expect(bound.status!.hostPort).toBe(pending.status!.hostPort);
    expect(await read(bound.status!.hostPort!)).toBe('later');
  });

  it('serves standalone bindings, waits for a missing workspace, and reports an exhausted range', async () => {
    const web = await greeter('standalone');
    const taken = await freePort();
    const blocker = createServer();
    blocker.listen(taken, '127.0.0.1');
    await once(blocker, 'listening');
    cleanups.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    await store.client.create(workspace('zeta', {}));
    const standalone = (name: string, ws: string): PortBinding => ({ apiVersion: API_VERSION, kind: 'PortBinding', metadata: { name }, spec: { workspace: ws, name: 'extra', containerPort: web } });
    await store.client.create(standalone('zeta-extra', 'zeta'));
    await store.client.create(standalone('orphan', 'nobody'));
    // A one-port range whose only port is held: nothing to allocate.
    await startDaemon({ portRange: { start: taken, end: taken } });
    const exhausted = (await waitBinding('zeta-extra', (pb) => getCondition(pb?.status?.conditions, 'Ready')?.reason === 'PortRangeExhausted'))!;
    expect(exhausted.status?.phase).toBe('Pending');
    expect(getCondition(exhausted.status!.conditions, 'Ready')?.message).toBe(`no free port for default/zeta extra in ${taken}-${taken} (1 ports taken)`);
    const orphan = (await waitBinding('orphan', (pb) => pb?.status?.phase === 'Pending'))!;
    expect(getCondition(orphan.status!.conditions, 'Bound')).toMatchObject({ reason: 'WorkspaceNotFound', message: 'workspace nobody not found in namespace default' });
    expect((await bindings()).map((pb) => pb.metadata.name).sort()).toEqual(['orphan', 'zeta-extra']);
  });

  it('a standalone binding of an existing workspace is allocated after its declared ports', async () => {
    const web = await greeter('extra');
    await store.client.create(workspace('eta', { ports: { web: { containerPort: web } } }));
    await store.client.create({ apiVersion: API_VERSION, kind: 'PortBinding', metadata: { name: 'eta-extra' }, spec: { workspace: 'eta', name: 'metrics', containerPort: web } });
    await startDaemon();
    const declared = (await waitBinding('eta-web', phase('Bound')))!;
    const extra = (await waitBinding('eta-extra', phase('Bound')))!;
    // Same slot: web at offset 1, the first role-less port at offset 5.
    expect(extra.status!.hostPort).toBe(declared.status!.hostPort! + 4);
    expect(extra.metadata.ownerReferences).toBeUndefined();
    expect(await read(extra.status!.hostPort!)).toBe('extra');
  });
  it('keeps forwarding a paused workspace, stops for a stopped one and resumes on the same port', async () => {
    const web = await greeter('lifecycle');
    await store.client.create(workspace('theta', { ports: { web: { containerPort: web } } }));
    const daemon = await startDaemon();
    const bound = (await waitBinding('theta-web', phase('Bound')))!;
    const port = bound.status!.hostPort!;
    const setState = async (state: 'Running' | 'Paused' | 'Stopped'): Promise<void> => {
      const ws = (await getOrUndefined<Workspace>(store.client, 'Workspace', 'theta'))!;
      await store.client.update<Workspace>({ ...ws, spec: { ...ws.spec, state } });
    };
    await setState('Paused');
    await waitForWorkspacePhase('theta', 'Paused');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await binding('theta-web'))!.status?.phase).toBe('Bound');
    expect(daemon.forwarding.running(bound.metadata.uid!)).toBeDefined();

    await setState('Stopped');
    const stopped = (await waitBinding('theta-web', phase('Pending')))!;
    expect(getCondition(stopped.status!.conditions, 'Bound')).toMatchObject({
      reason: 'WorkspaceNotRunning',
      message: `workspace theta is not running (workspace phase Stopped); host port ${port} is kept for it`,
    });
    expect(stopped.status!.hostPort).toBe(port);
    expect(await probeFree('127.0.0.1', port, 'tcp')).toBe(true);

    await setState('Running');
    await waitBinding('theta-web', (pb) => phase('Bound')(pb) && pb?.status?.hostPort === port);
    expect(await read(port)).toBe('lifecycle');
  });

  it('a fixed port wanted by workspaces of no common repository: the second reports the binding holding it', async () => {
    const web = await greeter('first');
    const fixed = await freePort();
    await store.client.create(workspace('kappa', { ports: { web: { containerPort: web, hostPort: fixed } } }));
    await startDaemon();
    await waitBinding('kappa-web', phase('Bound'));
    await store.client.create(workspace('lambda', { ports: { web: { containerPort: web, hostPort: fixed } } }));
    const conflicted = (await waitBinding('lambda-web', phase('Conflict')))!;
    expect(getCondition(conflicted.status!.conditions, 'Conflict')?.message).toBe(`127.0.0.1:${fixed} is held by portbinding default/kappa-web, forwarded by this daemon (pid ${process.pid})`);
    // Once the first gives the port up, the second gets it.
    await store.client.delete('Workspace', 'default', 'kappa');
    await waitBinding('lambda-web', (pb) => phase('Bound')(pb) && pb?.status?.hostPort === fixed);
  });

  it('forwards UDP datagrams', async () => {
    const udp = await startUdpEcho('127.0.0.1', 0, 'echo:');
    cleanups.push(() => udp.close());
    await store.client.create(workspace('iota', { ports: { dns: { containerPort: udp.port, protocol: 'udp' } } }));
    await startDaemon();
    const pb = (await waitBinding('iota-dns', phase('Bound')))!;
    expect(pb.status!.url).toBe(`udp://127.0.0.1:${pb.status!.hostPort}`);
    const socket = createSocket('udp4');
    cleanups.push(() => new Promise<void>((resolve) => socket.close(() => resolve())));
    const reply = new Promise<string>((resolve) => socket.once('message', (msg) => resolve(msg.toString())));
    socket.send('ping', pb.status!.hostPort!, '127.0.0.1');
    expect(await reply).toBe('echo:ping');
  });
});

async function waitForWorkspacePhase(name: string, wanted: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while ((await getOrUndefined<Workspace>(store.client, 'Workspace', name))?.status?.phase !== wanted) {
    if (Date.now() > deadline) throw new Error(`workspace ${name} did not reach ${wanted}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Waits until the forwarder of binding `uid` is listening. */
async function waitForListening(forwarding: PortForwarding, uid: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (forwarding.running(uid) === undefined) {
    if (Date.now() > deadline) throw new Error(`forwarder ${uid} did not start`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A separate `node` process listening on 127.0.0.1:port until killed. */
async function foreignListener(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(${port}, '127.0.0.1', () => console.log('ready'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`foreign listener exited (${code})`)));
  });
  return child;
}
