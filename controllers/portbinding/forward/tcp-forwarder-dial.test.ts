/**
 * The TCP forwarder with a dialled target (how a Kubernetes Pod is reached): connections go
 * through the dialer, not to host:port; a failing dialer resets the client promptly, is reported,
 * and the next connection dials again; a retarget to another instance closes the connections to
 * the old one. The dialer here opens real loopback connections.
 */
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { ForwardTarget } from '../contracts.ts';
import type { Forwarder, UpstreamEvent } from './forwarder.ts';
import { startTcpForwarder } from './tcp-forwarder.ts';
import { exchange, freePort, startEchoServer } from './testing.ts';

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
