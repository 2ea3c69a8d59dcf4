/**
 * Where a `visibility: org` binding listens, with real TCP: the embedded store, the mock provider
 * (its containers are reached at 127.0.0.1, so a real server in this process stands in for the
 * workspace's process) and the real forwarders. Without the node setting the forwarder listens on
 * 127.0.0.1 only — a connection to a non-loopback address of this host is refused; with the
 * setting it listens on the configured address.
 */
import { once } from 'node:events';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_VERSION } from '../../apis/meta.ts';
import type { PortBinding, Workspace } from '../../apis/types/index.ts';
import { realClock } from '../runtime/clock.ts';
import { getCondition } from '../runtime/conditions.ts';
import { Manager } from '../runtime/manager.ts';
import { captureLogs, getOrUndefined, openTempStore, type TempStore } from '../runtime/testing.ts';
import { MockProvider } from '../providers/mock/mock-provider.ts';
import { registerControllers } from '../setup.ts';
import type { ExposurePolicy } from './exposure.ts';
import { PortForwarding } from './forwarding.ts';

let store: TempStore;
const cleanups: (() => Promise<void> | void)[] = [];

beforeEach(async () => {
  store = await openTempStore();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await store.dispose();
});

/** A non-loopback IPv4 address of this host (eth0, docker0…); the test fails when there is none. */
function nonLoopbackAddress(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  throw new Error('this host has no non-loopback IPv4 address to test exposure with');
}

async function greeter(text: string): Promise<number> {
  const server = createServer((socket) => socket.end(text));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

async function startDaemon(exposure?: ExposurePolicy): Promise<void> {
  const forwarding = new PortForwarding();
  const { logger } = captureLogs();
  const manager = new Manager({ client: store.client, clock: realClock, logger, stopTimeoutMs: 5_000 });
  registerControllers(manager, {
    client: store.client,
    clock: realClock,
    logger,
    stateDir: store.dir,
    providers: [new MockProvider()],
    forwarding,
    ...(exposure !== undefined ? { exposure } : {}),
  });
  await manager.start();
  cleanups.push(async () => {
    await manager.stop();
    await forwarding.close();
  });
}

/** What a connection to host:port reads, or the connection's error code. */
function dial(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    let text = '';
    socket.setEncoding('utf8');
    socket.setTimeout(3000, () => socket.destroy(new Error('ETIMEDOUT')));
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('end', () => resolve(text));
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(`error ${err.code ?? err.message}`));
  });
}

async function orgBinding(): Promise<PortBinding> {
  const web = await greeter('hello');
  const ws = { apiVersion: API_VERSION, kind: 'Workspace', metadata: { name: 'shared' }, spec: { backend: 'mock', image: 'busybox', ports: { web: { containerPort: web, visibility: 'org' } } } } as Workspace;
  await store.client.create(ws);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const pb = await getOrUndefined<PortBinding>(store.client, 'PortBinding', 'shared-web');
    if (pb?.status?.phase === 'Bound' && pb.status.observedGeneration === pb.metadata.generation) return pb;
    if (Date.now() > deadline) throw new Error(`portbinding shared-web not Bound: ${JSON.stringify(pb?.status)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('visibility org over real TCP', () => {
  it('without the node setting listens on 127.0.0.1 only and reports that org was not honoured', async () => {
    const lan = nonLoopbackAddress();
    await startDaemon();
    const pb = await orgBinding();
    const port = pb.status!.hostPort!;
    expect(pb.spec.hostIP).toBeUndefined();
    expect(pb.status?.allocation?.hostIP).toBe('127.0.0.1');
    expect(await dial('127.0.0.1', port)).toBe('hello');
    expect(await dial(lan, port)).toBe('error ECONNREFUSED');
    expect(getCondition(pb.status?.conditions, 'Exposed')).toMatchObject({ status: 'False', reason: 'ExposureNotAllowed' });
    expect(getCondition(pb.status?.conditions, 'Exposed')?.message).toContain(`visibility org asks to listen on 0.0.0.0, which the node does not allow: listening on 127.0.0.1:${port} only`);
  });

  it('with the node setting listens on the configured address, reported as exposed unauthenticated', async () => {
    const lan = nonLoopbackAddress();
    await startDaemon({ addresses: [lan], setBy: 'node /etc/nexus/config.yaml:2:3' });
    const pb = await orgBinding();
    const port = pb.status!.hostPort!;
    expect(await dial(lan, port)).toBe('hello');
    expect(await dial('127.0.0.1', port)).toBe('error ECONNREFUSED');
    expect(getCondition(pb.status?.conditions, 'Exposed')).toMatchObject({
      status: 'True',
      reason: 'Unauthenticated',
      message: `exposed unauthenticated on ${lan}:${port}: anyone who can reach this address can connect, without authentication or TLS (allowed by network.unauthenticated_bind_addresses (node /etc/nexus/config.yaml:2:3))`,
    });
  });

  it('with 0.0.0.0 allowed listens on every interface', async () => {
    const lan = nonLoopbackAddress();
    await startDaemon({ addresses: ['0.0.0.0'] });
    const pb = await orgBinding();
    const port = pb.status!.hostPort!;
    expect(await dial(lan, port)).toBe('hello');
    expect(await dial('127.0.0.1', port)).toBe('hello');
    expect(getCondition(pb.status?.conditions, 'Exposed')).toMatchObject({ status: 'True', reason: 'Unauthenticated' });
  });
});
