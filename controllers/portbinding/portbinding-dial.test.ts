/**
 * The PortBinding controller with a provider whose workspaces are reached through a dialer (as the
 * Kubernetes provider reaches Pods through the API server's port-forward): the embedded store, a
 * mock provider whose endpoint dials real loopback servers, real forwarders. TCP goes through the
 * dialer and the status names the dialled target; UDP is reported Unsupported, nothing listens.
 */
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_VERSION } from '../../apis/meta.ts';
import type { PortBinding, Workspace } from '../../apis/types/index.ts';
import { realClock } from '../runtime/clock.ts';
import { getCondition } from '../runtime/conditions.ts';
import { Manager } from '../runtime/manager.ts';
import { captureLogs, getOrUndefined, openTempStore, type TempStore } from '../runtime/testing.ts';
import { MockProvider } from '../providers/mock/mock-provider.ts';
import type { EndpointOptions, RuntimeEndpoint, RuntimeTarget } from '../providers/types.ts';
import { registerControllers } from '../setup.ts';
import { probeFree } from './allocator/probe.ts';
import { exchange, freePort, startEchoServer } from '../../test/ports/servers.ts';

/** A mock whose endpoint is a dialer to 127.0.0.1 (counting the dials), shown as `pod/<name>`. */
class DialingMock extends MockProvider {
  dials = 0;
  override async endpoint(target: RuntimeTarget, options: EndpointOptions = {}): Promise<RuntimeEndpoint | undefined> {
    if ((await super.endpoint(target, options)) === undefined) return undefined;
    const dial = (port: number): Promise<Duplex> =>
      new Promise((resolve, reject) => {
        this.dials += 1;
        const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
        socket.once('connect', () => resolve(socket));
        socket.once('error', reject);
      });
    return { host: `pod/nexus-${target.name}`, dial, instance: target.uid };
  }
}

let store: TempStore;
const cleanups: (() => Promise<void> | void)[] = [];
beforeEach(async () => {
  store = await openTempStore();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await store.dispose();
});

async function waitBinding(name: string, predicate: (pb: PortBinding | undefined) => boolean): Promise<PortBinding> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const pb = await getOrUndefined<PortBinding>(store.client, 'PortBinding', name);
    if (predicate(pb)) return pb!;
    if (Date.now() > deadline) throw new Error(`portbinding ${name}: last status ${JSON.stringify(pb?.status)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('PortBinding controller with a dialled endpoint', () => {
  it('forwards TCP through the dialer, reports pod/<name>:<port>; UDP is Unsupported and nothing listens', async () => {
    const echo = await startEchoServer();
    cleanups.push(() => echo.close());
    const udpPort = await freePort('127.0.0.1', 'udp');
    const provider = new DialingMock();
    const start = await freePort();
    const ws = { apiVersion: API_VERSION, kind: 'Workspace', metadata: { name: 'kube' }, spec: { backend: 'mock', image: 'busybox', ports: { web: { containerPort: echo.port }, dns: { containerPort: udpPort, protocol: 'udp' } } } } as Workspace;
    await store.client.create(ws);
    const { logger } = captureLogs();
    const manager = new Manager({ client: store.client, clock: realClock, logger, stopTimeoutMs: 5_000 });
    registerControllers(manager, { client: store.client, clock: realClock, logger, stateDir: store.dir, providers: [provider], portRange: { start: Math.min(start, 65_000), end: Math.min(start, 65_000) + 50 } });
    await manager.start();
    cleanups.push(async () => {
      await manager.stop();
    });

    const web = await waitBinding('kube-web', (pb) => pb?.status?.phase === 'Bound');
    expect(web.status?.target).toBe(`pod/nexus-kube:${echo.port}`);
    expect((await exchange(web.status!.hostPort!, 'dialled')).toString()).toBe('dialled');
    expect(provider.dials).toBe(1);

    const dns = await waitBinding('kube-dns', (pb) => getCondition(pb?.status?.conditions, 'Bound')?.reason === 'Unsupported');
    expect(dns.status?.phase).toBe('Pending');
    expect(getCondition(dns.status?.conditions, 'Ready')).toMatchObject({ status: 'False', reason: 'Unsupported' });
    expect(getCondition(dns.status?.conditions, 'Bound')?.message).toBe(
      `UDP port ${udpPort} cannot be forwarded: this mock workspace is reached through a channel that carries TCP only (use protocol tcp)`,
    );
    expect(await probeFree('127.0.0.1', dns.status!.hostPort!, 'udp')).toBe(true);
  });
});
