import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { probeFree } from '../allocator/probe.ts';
import type { ForwardSpec } from '../contracts.ts';
import { PortInUseError } from './errors.ts';
import type { Forwarder } from './forwarder.ts';
import { freePort, startUdpEcho, type TestServer } from '../../../test/ports/servers.ts';
import { startUdpRelay } from './udp-relay.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function udpEcho(prefix: string): Promise<TestServer> {
  const server = await startUdpEcho('127.0.0.1', 0, prefix);
  closers.push(() => server.close());
  return server;
}

async function relay(targetPort: number, idleTimeoutMs?: number): Promise<{ forwarder: Forwarder; spec: ForwardSpec }> {
  const spec: ForwardSpec = { id: 'pb-u', protocol: 'udp', hostIP: '127.0.0.1', hostPort: await freePort('127.0.0.1', 'udp'), target: { host: '127.0.0.1', port: targetPort } };
  const forwarder = await startUdpRelay(spec, { idleTimeoutMs });
  closers.push(() => forwarder.close());
  return { forwarder, spec };
}

async function client(): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind({ address: '127.0.0.1', port: 0 }, resolve));
  closers.push(() => new Promise((resolve) => socket.close(() => resolve())));
  return socket;
}

function ask(socket: Socket, port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to ${text}`)), 2000);
    socket.once('message', (msg) => {
      clearTimeout(timer);
      resolve(msg.toString());
    });
    socket.send(text, port, '127.0.0.1');
  });
}

describe('startUdpRelay', () => {
  it('relays a datagram and its answer', async () => {
    const target = await udpEcho('echo:');
    const { forwarder, spec } = await relay(target.port);
    const socket = await client();
    expect(await ask(socket, spec.hostPort, 'ping')).toBe('echo:ping');
    expect(await ask(socket, spec.hostPort, 'again')).toBe('echo:again');
    expect(forwarder.stats()).toEqual({ protocol: 'udp', activeConnections: 1, totalConnections: 1, failedConnections: 0, bytesFromClients: 9, bytesFromTarget: 19 });
  });

  it('keeps one session per client so each gets its own answers', async () => {
    const target = await udpEcho('');
    const { forwarder, spec } = await relay(target.port);
    const clients = await Promise.all(Array.from({ length: 10 }, () => client()));
    const answers = await Promise.all(clients.map((c, i) => ask(c, spec.hostPort, `client ${i}`)));
    expect(answers).toEqual(clients.map((_, i) => `client ${i}`));
    expect(forwarder.stats().activeConnections).toBe(10);
  });

  it('expires idle sessions', async () => {
    const target = await udpEcho('');
    const { forwarder, spec } = await relay(target.port, 100);
    const socket = await client();
    expect(await ask(socket, spec.hostPort, 'x')).toBe('x');
    expect(forwarder.stats().activeConnections).toBe(1);
    await new Promise((r) => setTimeout(r, 250));
    expect(forwarder.stats().activeConnections).toBe(0);
    expect(await ask(socket, spec.hostPort, 'y')).toBe('y');
    expect(forwarder.stats()).toMatchObject({ activeConnections: 1, totalConnections: 2 });
  });

  it('sends further datagrams to a new target', async () => {
    const first = await udpEcho('first:');
    const second = await udpEcho('second:');
    const { forwarder, spec } = await relay(first.port);
    const socket = await client();
    expect(await ask(socket, spec.hostPort, 'a')).toBe('first:a');
    forwarder.retarget({ host: '127.0.0.1', port: second.port });
    expect(await ask(socket, spec.hostPort, 'b')).toBe('second:b');
  });

  it('frees the port on close', async () => {
    const target = await udpEcho('');
    const port = await freePort('127.0.0.1', 'udp');
    const forwarder = await startUdpRelay({ id: 'u', protocol: 'udp', hostIP: '127.0.0.1', hostPort: port, target: { host: '127.0.0.1', port: target.port } });
    expect(await probeFree('127.0.0.1', port, 'udp')).toBe(false);
    await forwarder.close();
    expect(await probeFree('127.0.0.1', port, 'udp')).toBe(true);
  });

  it('rejects with PortInUseError when a foreign socket holds the port', async () => {
    const foreign = await client();
    const port = foreign.address().port;
    const err = await startUdpRelay({ id: 'u', protocol: 'udp', hostIP: '127.0.0.1', hostPort: port, target: { host: '127.0.0.1', port: 1 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PortInUseError);
    expect((err as Error).message).toBe(`127.0.0.1:${port}/udp is already in use`);
  });
});
