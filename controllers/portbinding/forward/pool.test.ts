import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { probeFree } from '../allocator/probe.ts';
import type { ForwardSpec } from '../contracts.ts';
import { PortInUseError } from './errors.ts';
import { ForwarderPool } from './pool.ts';
import { exchange, freePort, startEchoServer, startSourceServer, type TestServer } from '../../../test/ports/servers.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function started<T extends TestServer>(server: Promise<T>): Promise<T> {
  const s = await server;
  closers.push(() => s.close());
  return s;
}

function newPool(): ForwarderPool {
  const pool = new ForwarderPool();
  closers.push(() => pool.closeAll());
  return pool;
}

async function spec(targetPort: number, extra: Partial<ForwardSpec> = {}): Promise<ForwardSpec> {
  return { id: 'pb-1', protocol: 'tcp', hostIP: '127.0.0.1', hostPort: await freePort(), target: { host: '127.0.0.1', port: targetPort }, ...extra };
}

describe('ForwarderPool', () => {
  it('starts, leaves alone, retargets and restarts by id', async () => {
    const echo = await started(startEchoServer());
    const source = await started(startSourceServer());
    const pool = newPool();
    const first = await spec(echo.port);
    expect(await pool.ensure(first)).toBe('started');
    expect(await pool.ensure({ ...first, target: { ...first.target } })).toBe('unchanged');
    expect((await exchange(first.hostPort, 'hi')).toString()).toBe('hi');

    const retargeted = { ...first, target: { host: '127.0.0.1', port: source.port } };
    expect(await pool.ensure(retargeted)).toBe('retargeted');
    expect((await exchange(first.hostPort, '3\n')).toString()).toBe('aaa');
    expect(pool.stats(first.id)?.totalConnections).toBe(2); // same listener, counters kept

    const moved = { ...retargeted, hostPort: await freePort() };
    expect(await pool.ensure(moved)).toBe('restarted');
    expect(await probeFree('127.0.0.1', first.hostPort, 'tcp')).toBe(true);
    expect((await exchange(moved.hostPort, '2\n')).toString()).toBe('aa');
    expect(pool.list()).toEqual([moved]);
  });

  it('serialises concurrent ensures of one id', async () => {
    const echo = await started(startEchoServer());
    const pool = newPool();
    const s = await spec(echo.port);
    const results = await Promise.all([pool.ensure(s), pool.ensure(s), pool.ensure(s)]);
    expect(results).toEqual(['started', 'unchanged', 'unchanged']);
  });

  it('stops one forwarder, freeing its port, and reports unknown ids', async () => {
    const echo = await started(startEchoServer());
    const pool = newPool();
    const a = await spec(echo.port, { id: 'a' });
    const b = await spec(echo.port, { id: 'b' });
    await pool.ensure(a);
    await pool.ensure(b);
    expect(await pool.stop('a')).toBe(true);
    expect(await pool.stop('a')).toBe(false);
    expect(pool.stats('a')).toBeUndefined();
    expect(await probeFree('127.0.0.1', a.hostPort, 'tcp')).toBe(true);
    expect((await exchange(b.hostPort, 'still')).toString()).toBe('still');
    expect(pool.list().map((s) => s.id)).toEqual(['b']);
  });

  it('runs UDP and TCP side by side and closes everything', async () => {
    const echo = await started(startEchoServer());
    const pool = newPool();
    const tcp = await spec(echo.port, { id: 't' });
    const udp: ForwardSpec = { id: 'u', protocol: 'udp', hostIP: '127.0.0.1', hostPort: await freePort('127.0.0.1', 'udp'), target: { host: '127.0.0.1', port: 9 } };
    await pool.ensure(tcp);
    await pool.ensure(udp);
    expect(pool.stats('u')?.protocol).toBe('udp');
    await pool.closeAll();
    expect(pool.list()).toEqual([]);
    expect(await probeFree('127.0.0.1', tcp.hostPort, 'tcp')).toBe(true);
    expect(await probeFree('127.0.0.1', udp.hostPort, 'udp')).toBe(true);
  });

  it('reports a held port as PortInUseError and keeps nothing for the id', async () => {
    const foreign = createServer();
    await new Promise<void>((resolve) => foreign.listen({ host: '127.0.0.1', port: 0 }, resolve));
    closers.push(() => new Promise((resolve) => foreign.close(() => resolve())));
    const pool = newPool();
    const held = await spec(1, { hostPort: (foreign.address() as { port: number }).port });
    await expect(pool.ensure(held)).rejects.toBeInstanceOf(PortInUseError);
    expect(pool.list()).toEqual([]);
    // Once the holder goes away the same ensure succeeds (recovery).
    await new Promise((resolve) => foreign.close(resolve));
    expect(await pool.ensure(held)).toBe('started');
  });
});
