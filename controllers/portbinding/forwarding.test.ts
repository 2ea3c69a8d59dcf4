import { connect } from 'node:net';
import { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { probeFree } from './allocator/probe.ts';
import type { ForwardSpec } from './contracts.ts';
import { PortInUseError } from './forward/errors.ts';
import { exchange, freePort, startEchoServer, type TestServer } from '../../test/ports/servers.ts';
import { PortForwarding } from './forwarding.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function echo(): Promise<TestServer> {
  const server = await startEchoServer();
  closers.push(() => server.close());
  return server;
}

function forwarding(): PortForwarding {
  const f = new PortForwarding();
  closers.push(() => f.close());
  return f;
}

async function spec(id: string, target: number, extra: Partial<ForwardSpec> = {}): Promise<ForwardSpec> {
  return { id, protocol: 'tcp', hostIP: '127.0.0.1', hostPort: await freePort(), target: { host: '127.0.0.1', port: target }, ...extra };
}

describe('PortForwarding', () => {
  it('names the binding holding a port, including through a wildcard listener', async () => {
    const server = await echo();
    const f = forwarding();
    const a = await spec('uid-a', server.port, { hostIP: '0.0.0.0' });
    expect(await f.ensure('ns/a', a)).toBe('started');
    expect(f.holderOf('127.0.0.1', a.hostPort, 'tcp')).toEqual({ id: 'uid-a', key: 'ns/a' });
    expect(f.holderOf('127.0.0.1', a.hostPort, 'tcp', 'uid-a')).toBeUndefined();
    expect(f.holderOf('127.0.0.1', a.hostPort, 'udp')).toBeUndefined();
    await expect(f.ensure('ns/b', { ...a, id: 'uid-b', hostIP: '127.0.0.1' })).rejects.toThrow(PortInUseError);
    expect((await exchange(a.hostPort, 'x')).toString()).toBe('x');
  });

  it('stops the forwarders of a binding by key', async () => {
    const server = await echo();
    const f = forwarding();
    const a = await spec('uid-a', server.port);
    await f.ensure('ns/a', a);
    expect(await f.stopKey('ns/other')).toBe(0);
    expect(await f.stopKey('ns/a')).toBe(1);
    expect(f.running('uid-a')).toBeUndefined();
    expect(await probeFree('127.0.0.1', a.hostPort, 'tcp')).toBe(true);
  });

  it('close waits for ensures in flight and refuses new ones: nothing listens afterwards', async () => {
    const server = await echo();
    const f = new PortForwarding();
    const a = await spec('uid-a', server.port);
    const b = await spec('uid-b', server.port);
    await f.ensure('ns/a', a);
    const inFlight = f.ensure('ns/b', b);
    const closing = f.close();
    expect(await inFlight).toBe('started');
    await closing;
    expect(f.closed).toBe(true);
    await expect(f.ensure('ns/a', a)).rejects.toThrow('port forwarding is shutting down');
    expect(f.list()).toEqual([]);
    for (const port of [a.hostPort, b.hostPort]) expect(await probeFree('127.0.0.1', port, 'tcp')).toBe(true);
  });
});

describe('PortForwarding upstream reports', () => {
  it('reports a failing target once per new reason and once when it works again; a new target starts clean', async () => {
    const changes: { key: string; failure?: string }[] = [];
    const f = new PortForwarding({ onUpstreamChange: ({ key, failure }) => changes.push({ key, ...(failure !== undefined ? { failure } : {}) }) });
    closers.push(() => f.close());
    const target = await echo();
    const dead = await freePort();
    const s = await spec('u1', dead);
    await f.ensure('ns/web', s);
    await exchange(s.hostPort, 'x').catch(() => undefined);
    await exchange(s.hostPort, 'x').catch(() => undefined);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ key: 'ns/web', failure: expect.stringContaining('ECONNREFUSED') as unknown });
    expect(f.upstreamFailure('u1')).toContain('ECONNREFUSED');

    await f.ensure('ns/web', { ...s, target: { host: '127.0.0.1', port: target.port } });
    expect(f.upstreamFailure('u1')).toBeUndefined();
    expect((await exchange(s.hostPort, 'ok')).toString()).toBe('ok');
    expect(changes).toHaveLength(1); // the retarget cleared the record without a report; success after it is no change

    await f.ensure('ns/web', { ...s, target: { host: '127.0.0.1', port: dead } });
    await exchange(s.hostPort, 'x').catch(() => undefined);
    await f.ensure('ns/web', { ...s, target: { host: '127.0.0.1', port: target.port } });
    await f.ensure('ns/web', { ...s, target: { host: '127.0.0.1', port: target.port, instance: 'same-target-new-instance' } });
    expect(changes).toHaveLength(2);
    await exchange(s.hostPort, 'ok');
    expect(changes).toHaveLength(2);
  });

  it('a success after failures on the same target is reported', async () => {
    const changes: (string | undefined)[] = [];
    const f = new PortForwarding({ onUpstreamChange: ({ failure }) => changes.push(failure) });
    closers.push(() => f.close());
    const port = await freePort();
    const s = await spec('u2', port);
    await f.ensure('ns/api', s);
    await exchange(s.hostPort, 'x').catch(() => undefined);
    const late = await startEchoServer('127.0.0.1', port);
    closers.push(() => late.close());
    expect((await exchange(s.hostPort, 'up')).toString()).toBe('up');
    expect(changes).toEqual([expect.stringContaining('ECONNREFUSED'), undefined]);
    expect(f.upstreamFailure('u2')).toBeUndefined();
  });

  it('a dialled port nothing listens on: many connections give one failure report, no flapping; the next good connection recovers', async () => {
    const changes: (string | undefined)[] = [];
    const f = new PortForwarding({ onUpstreamChange: ({ failure }) => changes.push(failure) });
    closers.push(() => f.close());
    const target = await echo();
    let listening = false;
    // Like dialPodPort: the channel opens, then the kubelet's error arrives a few ms later.
    const dial = (): Promise<Duplex> => {
      if (listening) return dialLoopback(target.port);
      const stream = new Duplex({ read() {}, write(_chunk, _encoding, callback) { callback(); } });
      setTimeout(() => stream.destroy(new Error('port-forward to pod ns/p:9090: connection refused')), 3);
      return Promise.resolve(stream);
    };
    const s = { ...(await spec('u3', 9090)), target: { host: 'pod/p', port: 9090, dial } };
    await f.ensure('ns/gap', s);
    for (let i = 0; i < 6; i += 1) await expect(exchange(s.hostPort, 'GET /')).rejects.toThrow(/ECONNRESET/);
    expect(changes).toEqual(['port-forward to pod ns/p:9090: connection refused']);
    expect(f.upstreamFailure('u3')).toBe('port-forward to pod ns/p:9090: connection refused');

    listening = true;
    expect((await exchange(s.hostPort, 'up')).toString()).toBe('up');
    expect((await exchange(s.hostPort, 'still')).toString()).toBe('still');
    expect(changes).toEqual(['port-forward to pod ns/p:9090: connection refused', undefined]);
    expect(f.upstreamFailure('u3')).toBeUndefined();
  });
});

/** A loopback TCP connection to `port`, as a dialer would return it. */
function dialLoopback(port: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}
