import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { probeFree } from '../allocator/probe.ts';
import type { ForwardSpec } from '../contracts.ts';
import { PortInUseError } from './errors.ts';
import type { Forwarder } from './forwarder.ts';
import { startTcpForwarder } from './tcp-forwarder.ts';
import { exchange, freePort, startEchoServer, startSourceServer, type TestServer } from '../../../test/ports/servers.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function echo(port = 0): Promise<TestServer> {
  const server = await startEchoServer('127.0.0.1', port);
  closers.push(() => server.close());
  return server;
}

async function forward(targetPort: number, extra: Partial<ForwardSpec> = {}): Promise<{ forwarder: Forwarder; port: number }> {
  const port = extra.hostPort ?? (await freePort());
  const forwarder = await startTcpForwarder({ id: 'pb-1', protocol: 'tcp', hostIP: '127.0.0.1', hostPort: port, target: { host: '127.0.0.1', port: targetPort }, ...extra });
  closers.push(() => forwarder.close());
  return { forwarder, port };
}

/** Resolves how a connection ended: 'end' with data, or the error code. */
function connectionOutcome(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('data', () => undefined);
    socket.on('end', () => resolve('end'));
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    socket.write('hello');
  });
}

const BLACKHOLE = `const server = require('node:net').createServer().listen({ host: '127.0.0.1', port: 0, backlog: 1 }, () => {
  require('node:fs').writeSync(1, String(server.address().port));
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60000);
});`;

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('startTcpForwarder', () => {
  it('relays a request and its answer, passing the half-close on', async () => {
    const target = await echo();
    const { forwarder, port } = await forward(target.port);
    expect((await exchange(port, 'ping')).toString()).toBe('ping');
    await new Promise((r) => setTimeout(r, 20));
    expect(forwarder.stats()).toMatchObject({ protocol: 'tcp', activeConnections: 0, totalConnections: 1, failedConnections: 0, bytesFromClients: 4, bytesFromTarget: 4 });
  });

  it('moves 10 MB each way intact', async () => {
    const target = await echo();
    const { forwarder, port } = await forward(target.port);
    const payload = randomBytes(10 * 1024 * 1024);
    const answer = await exchange(port, payload);
    expect(answer.length).toBe(payload.length);
    expect(sha(answer)).toBe(sha(payload));
    await new Promise((r) => setTimeout(r, 20));
    expect(forwarder.stats().bytesFromTarget).toBe(payload.length);
  });

  it('keeps a slow reader from making the forwarder buffer everything (backpressure)', async () => {
    const source = await startSourceServer();
    closers.push(() => source.close());
    const { forwarder, port } = await forward(source.port);
    const socket = connect({ host: '127.0.0.1', port });
    closers.push(async () => void socket.destroy());
    socket.pause();
    socket.write(`${64 * 1024 * 1024}\n`);
    await new Promise((r) => setTimeout(r, 300));
    // The client reads nothing: the forwarder must have stopped pulling from the target long before 64 MB.
    expect(forwarder.stats().bytesFromTarget).toBeLessThan(16 * 1024 * 1024);
    let received = 0;
    socket.on('data', (d: Buffer) => (received += d.length));
    socket.resume();
    await new Promise((resolve) => socket.once('end', resolve));
    expect(received).toBe(64 * 1024 * 1024);
  });

  it('keeps every byte in order when a stalling reader makes the forwarder wait (buffer reuse under backpressure)', async () => {
    const target = await echo();
    const { port } = await forward(target.port);
    const payload = randomBytes(24 * 1024 * 1024);
    const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    closers.push(async () => void socket.destroy());
    const chunks: Buffer[] = [];
    let reads = 0;
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      // Stall now and then so the forwarder's writes to this client queue up and it must pause.
      if ((reads += 1) % 16 === 0) {
        socket.pause();
        setTimeout(() => socket.resume(), 20);
      }
    });
    const ended = new Promise((resolve) => socket.once('end', resolve));
    socket.end(payload);
    await ended;
    const answer = Buffer.concat(chunks);
    expect(answer.length).toBe(payload.length);
    expect(sha(answer)).toBe(sha(payload));
  });

  it('serves many concurrent connections without mixing them up', async () => {
    const target = await echo();
    const { forwarder, port } = await forward(target.port);
    const payloads = Array.from({ length: 200 }, (_, i) => Buffer.from(`connection ${i} `.repeat(1 + (i % 50))));
    const answers = await Promise.all(payloads.map((p) => exchange(port, p)));
    answers.forEach((a, i) => expect(a.toString()).toBe(payloads[i]!.toString()));
    expect(forwarder.stats().totalConnections).toBe(200);
  });

  it('closes the client when the target refuses, keeps listening, and works once the target is up', async () => {
    const targetPort = await freePort();
    const { forwarder, port } = await forward(targetPort);
    expect(['ECONNRESET', 'end']).toContain(await connectionOutcome(port));
    expect(['ECONNRESET', 'end']).toContain(await connectionOutcome(port));
    expect(forwarder.stats().failedConnections).toBe(2);
    await echo(targetPort);
    expect((await exchange(port, 'back')).toString()).toBe('back');
  });

  it('resets the client when the target does not answer within the connect timeout', async () => {
    // A target that never accepts: a child process listens with a tiny backlog and then blocks its event loop;
    // once its accept queue is full the kernel drops further SYNs, so a connect hangs.
    const child = spawn(process.execPath, ['-e', BLACKHOLE], { stdio: ['ignore', 'pipe', 'inherit'] });
    closers.push(async () => void child.kill('SIGKILL'));
    const targetPort = Number((await once(child.stdout, 'data')).toString());
    const fillers = Array.from({ length: 8 }, () => connect({ host: '127.0.0.1', port: targetPort }).on('error', () => undefined));
    closers.push(async () => fillers.forEach((f) => f.destroy()));
    await new Promise((r) => setTimeout(r, 100));
    const port = await freePort();
    const forwarder = await startTcpForwarder({ id: 'x', protocol: 'tcp', hostIP: '127.0.0.1', hostPort: port, target: { host: '127.0.0.1', port: targetPort } }, { connectTimeoutMs: 300 });
    closers.push(() => forwarder.close());
    const started = Date.now();
    expect(await connectionOutcome(port)).toBe('ECONNRESET');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(forwarder.stats().failedConnections).toBe(1);
  });

  it('sends new connections to a new target while an open one keeps its own', async () => {
    const first = await startSourceServer();
    closers.push(() => first.close());
    const second = await echo();
    const { forwarder, port } = await forward(first.port);
    const open = connect({ host: '127.0.0.1', port });
    closers.push(async () => void open.destroy());
    await new Promise((resolve) => open.once('connect', resolve));
    forwarder.retarget({ host: '127.0.0.1', port: second.port });
    expect((await exchange(port, 'to the echo')).toString()).toBe('to the echo');
    const fromFirst = await new Promise<number>((resolve) => {
      let n = 0;
      open.on('data', (d: Buffer) => (n += d.length));
      open.on('end', () => resolve(n));
      open.write('5\n');
    });
    expect(fromFirst).toBe(5);
  });

  it('frees the port and closes open connections on close', async () => {
    const target = await echo();
    const port = await freePort();
    const forwarder = await startTcpForwarder({ id: 'x', protocol: 'tcp', hostIP: '127.0.0.1', hostPort: port, target: { host: '127.0.0.1', port: target.port } });
    const client: Socket = connect({ host: '127.0.0.1', port });
    await new Promise((resolve) => client.once('connect', resolve));
    const closed = new Promise((resolve) => client.once('close', resolve));
    client.on('error', () => undefined);
    expect(await probeFree('127.0.0.1', port, 'tcp')).toBe(false);
    await forwarder.close();
    await closed;
    expect(await probeFree('127.0.0.1', port, 'tcp')).toBe(true);
  });

  it('rejects with PortInUseError when a foreign listener holds the port', async () => {
    const foreign = createServer();
    await new Promise<void>((resolve) => foreign.listen({ host: '0.0.0.0', port: 0 }, resolve));
    closers.push(() => new Promise((resolve) => foreign.close(() => resolve())));
    const port = (foreign.address() as { port: number }).port;
    const err = await startTcpForwarder({ id: 'x', protocol: 'tcp', hostIP: '127.0.0.1', hostPort: port, target: { host: '127.0.0.1', port: 1 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PortInUseError);
    expect(err).toMatchObject({ code: 'Unavailable', hostIP: '127.0.0.1', hostPort: port, protocol: 'tcp', message: `127.0.0.1:${port}/tcp is already in use` });
  });

  it('rejects an address that is not on this host with a clear error', async () => {
    await expect(startTcpForwarder({ id: 'x', protocol: 'tcp', hostIP: '203.0.113.77', hostPort: 40000, target: { host: '127.0.0.1', port: 1 } })).rejects.toThrow(
      /cannot listen on 203\.0\.113\.77:40000\/tcp: 203\.0\.113\.77 is not an address of this host/,
    );
  });
});
