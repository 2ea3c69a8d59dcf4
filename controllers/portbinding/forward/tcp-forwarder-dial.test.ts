/**
 * The TCP forwarder with a dialled target (how a Kubernetes Pod is reached): connections go
 * through the dialer, not to host:port; a failing dialer resets the client promptly, is reported,
 * and the next connection dials again; a retarget to another instance closes the connections to
 * the old one. A channel that opens and then fails before the target sent anything (a Pod port
 * nothing listens on) is reported as failed only, not as connected then failed. The dialer here
 * opens real loopback connections, or in-memory channels.
 */
import { connect, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { ForwardTarget } from '../contracts.ts';
import type { Forwarder, UpstreamEvent } from './forwarder.ts';
import { startTcpForwarder } from './tcp-forwarder.ts';
import { exchange, freePort, startEchoServer } from '../../../test/ports/servers.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A dialer to 127.0.0.1:`realPort` whatever port it is asked for, recording the asked ports. */
function loopbackDialer(realPort: number, asked: number[]): (port: number) => Promise<Duplex> {
  return (port) =>
    new Promise((resolve, reject) => {
      asked.push(port);
      const socket = connect({ host: '127.0.0.1', port: realPort, allowHalfOpen: true });
      socket.once('connect', () => resolve(socket));
      socket.once('error', reject);
    });
}

/**
 * A dialer like `dialPodPort` to a port nothing listens on: the channel opens, swallows what is
 * written, and fails `afterMs` later with the kubelet's error.
 */
function unreachableDialer(afterMs = 3): (port: number) => Promise<Duplex> {
  return (port) => {
    const stream = new Duplex({ read() {}, write(_chunk, _encoding, callback) { callback(); } });
    setTimeout(() => stream.destroy(new Error(`port-forward to pod ns/x:${port}: error forwarding port ${port}: connection refused`)), afterMs);
    return Promise.resolve(stream);
  };
}

/** Connects, writes `payload`, and resolves how the connection closed (see closedHow). */
function attempt(port: number, payload = 'GET / HTTP/1.1\r\n\r\n'): Promise<string> {
  const socket = connect({ host: '127.0.0.1', port });
  const how = closedHow(socket);
  socket.write(payload);
  return how;
}

async function forward(target: ForwardTarget, events: UpstreamEvent[] = []): Promise<{ forwarder: Forwarder; port: number }> {
  const port = await freePort();
  const forwarder = await startTcpForwarder({ id: 'pb-d', protocol: 'tcp', hostIP: '127.0.0.1', hostPort: port, target }, { onUpstream: (e) => events.push(e) });
  closers.push(() => forwarder.close());
  return { forwarder, port };
}

function closedHow(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let how = 'close';
    socket.on('data', () => undefined);
    socket.on('end', () => (how = 'end'));
    socket.on('error', (err: NodeJS.ErrnoException) => (how = err.code ?? 'error'));
    socket.once('close', () => resolve(how));
  });
}

describe('startTcpForwarder with a dialled target', () => {
  it('opens each connection with the dialer (the host is only a name) and relays both ways', async () => {
    const echo = await startEchoServer();
    closers.push(() => echo.close());
    const asked: number[] = [];
    const events: UpstreamEvent[] = [];
    const { forwarder, port } = await forward({ host: 'pod/nexus-x', port: 8080, dial: loopbackDialer(echo.port, asked) }, events);
    expect((await exchange(port, 'via the dialer')).toString()).toBe('via the dialer');
    expect((await exchange(port, 'twice')).toString()).toBe('twice');
    expect(asked).toEqual([8080, 8080]);
    expect(events).toEqual([{ kind: 'connected' }, { kind: 'connected' }]);
    await new Promise((r) => setTimeout(r, 20));
    expect(forwarder.stats()).toMatchObject({ totalConnections: 2, failedConnections: 0, bytesFromClients: 19, bytesFromTarget: 19 });
  });

  it('resets the client at once when the dialer fails, reports why, keeps listening and dials again', async () => {
    const echo = await startEchoServer();
    closers.push(() => echo.close());
    let fail = true;
    const good = loopbackDialer(echo.port, []);
    const events: UpstreamEvent[] = [];
    const dial = (p: number): Promise<Duplex> => (fail ? Promise.reject(new Error('port-forward to pod ns/x:8080 forbidden (HTTP 403)')) : good(p));
    const { forwarder, port } = await forward({ host: 'pod/x', port: 8080, dial }, events);
    const started = Date.now();
    expect(await closedHow(connect({ host: '127.0.0.1', port }))).toBe('ECONNRESET');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: 'failed', error: { message: 'port-forward to pod ns/x:8080 forbidden (HTTP 403)' } });
    fail = false;
    expect((await exchange(port, 'retry')).toString()).toBe('retry');
    expect(events[1]).toEqual({ kind: 'connected' });
    expect(forwarder.stats().failedConnections).toBe(1);
  });

  it('a channel that opens and then fails before any byte from the target is reported only as failed, never connected first', async () => {
    const events: UpstreamEvent[] = [];
    const { forwarder, port } = await forward({ host: 'pod/x', port: 9090, dial: unreachableDialer() }, events);
    for (let i = 0; i < 5; i += 1) expect(await attempt(port)).toBe('ECONNRESET');
    expect(events.map((e) => e.kind)).toEqual(['failed', 'failed', 'failed', 'failed', 'failed']);
    expect(events[0]).toMatchObject({ error: { message: 'port-forward to pod ns/x:9090: error forwarding port 9090: connection refused' } });
    expect(forwarder.stats()).toMatchObject({ totalConnections: 5, failedConnections: 5 });
  });

  it('a channel counts as connected on its first byte from the target, and a later failure is still reported', async () => {
    const events: UpstreamEvent[] = [];
    let upstream: Duplex | undefined;
    const dial = (): Promise<Duplex> => {
      upstream = new Duplex({ read() {}, write(_chunk, _encoding, callback) { callback(); } });
      return Promise.resolve(upstream);
    };
    const { port } = await forward({ host: 'pod/x', port: 1, dial }, events);
    const client = connect({ host: '127.0.0.1', port });
    const how = closedHow(client);
    client.write('hello?');
    await new Promise((r) => setTimeout(r, 50));
    expect(events).toEqual([]); // open, bytes sent, nothing back yet: not known to work
    upstream!.push('hi');
    await new Promise((r) => setTimeout(r, 20));
    upstream!.push('more');
    await new Promise((r) => setTimeout(r, 20));
    expect(events).toEqual([{ kind: 'connected' }]); // once per connection
    upstream!.destroy(new Error('the kubelet closed the stream'));
    expect(await how).toBe('ECONNRESET');
    expect(events.map((e) => e.kind)).toEqual(['connected', 'failed']);
  });

  it('a channel the target ends cleanly after the client sent bytes counts as connected; one that carried nothing is not reported', async () => {
    const events: UpstreamEvent[] = [];
    const upstreams: Duplex[] = [];
    const dial = (): Promise<Duplex> => {
      const stream = new Duplex({ allowHalfOpen: true, read() {}, write(_chunk, _encoding, callback) { callback(); } });
      upstreams.push(stream);
      return Promise.resolve(stream);
    };
    const { port } = await forward({ host: 'pod/x', port: 1, dial }, events);
    const client = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    const how = closedHow(client);
    client.end('a request, no answer');
    await new Promise((r) => setTimeout(r, 50));
    expect(events).toEqual([]);
    upstreams[0]!.push(null); // the Pod side closes without an error
    expect(await how).toBe('end');
    expect(events).toEqual([{ kind: 'connected' }]);

    const silent = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    const silentHow = closedHow(silent);
    silent.end(); // a port probe: connects and leaves without a byte
    await new Promise((r) => setTimeout(r, 50));
    upstreams[1]!.push(null); // the channel is closed (the linger), nothing came from the Pod
    expect(await silentHow).toBe('end');
    expect(events).toEqual([{ kind: 'connected' }]);
  });

  it('an error of an open upstream resets its client', async () => {
    const echo = await startEchoServer();
    closers.push(() => echo.close());
    const upstreams: Duplex[] = [];
    const dial = async (p: number): Promise<Duplex> => {
      const s = await loopbackDialer(echo.port, [])(p);
      upstreams.push(s);
      return s;
    };
    const { port } = await forward({ host: 'pod/x', port: 1, dial });
    const client = connect({ host: '127.0.0.1', port });
    const how = closedHow(client);
    client.write('x');
    await new Promise((r) => setTimeout(r, 50));
    upstreams[0]!.destroy(new Error('the kubelet closed the stream'));
    expect(await how).toBe('ECONNRESET');
  });

  it('a retarget to another instance closes the connections opened to the old one; the same instance keeps them', async () => {
    const echo = await startEchoServer();
    closers.push(() => echo.close());
    const dial = loopbackDialer(echo.port, []);
    const { forwarder, port } = await forward({ host: 'pod/x', port: 1, dial, instance: 'uid-1' });
    const client = connect({ host: '127.0.0.1', port });
    const how = closedHow(client);
    client.write('x');
    await new Promise((r) => setTimeout(r, 50));
    forwarder.retarget({ host: 'pod/x', port: 1, dial, instance: 'uid-1' });
    await new Promise((r) => setTimeout(r, 50));
    expect(client.destroyed).toBe(false);
    forwarder.retarget({ host: 'pod/x', port: 1, dial, instance: 'uid-2' });
    expect(['end', 'close', 'ECONNRESET']).toContain(await how);
    expect((await exchange(port, 'new pod')).toString()).toBe('new pod');
  });
});
