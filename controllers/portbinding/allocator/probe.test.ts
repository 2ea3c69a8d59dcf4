import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { probeFree, probePort } from './probe.ts';

const run = promisify(execFile);
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function holdTcp(host: string): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen({ host, port: 0 }, resolve));
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

async function holdUdp(host: string): Promise<number> {
  const socket: UdpSocket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind({ address: host, port: 0 }, resolve));
  cleanups.push(() => new Promise((resolve) => socket.close(() => resolve())));
  return socket.address().port;
}

function unprivilegedPortStart(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8'));
  } catch {
    return 1024;
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('probeFree', () => {
  it('reports a free port as free and leaves it free', async () => {
    const port = await freePort();
    expect(await probeFree('127.0.0.1', port, 'tcp')).toBe(true);
    expect(await probeFree('127.0.0.1', port, 'tcp')).toBe(true);
    expect(await probeFree('127.0.0.1', port, 'udp')).toBe(true);
  });

  it('reports a TCP listener on the same or an overlapping address as taken', async () => {
    const onLoopback = await holdTcp('127.0.0.1');
    expect(await probeFree('127.0.0.1', onLoopback, 'tcp')).toBe(false);
    expect(await probeFree('0.0.0.0', onLoopback, 'tcp')).toBe(false);
    const onAll = await holdTcp('0.0.0.0');
    expect(await probeFree('127.0.0.1', onAll, 'tcp')).toBe(false);
    expect(await probePort('127.0.0.1', onAll, 'tcp')).toEqual({ free: false, reason: 'in-use', code: 'EADDRINUSE' });
  });

  it('tells UDP from TCP', async () => {
    const udp = await holdUdp('127.0.0.1');
    expect(await probeFree('127.0.0.1', udp, 'udp')).toBe(false);
    const tcp = await holdTcp('127.0.0.1');
    expect(await probeFree('127.0.0.1', tcp, 'udp')).toBe(true);
  });

  it('throws for an address that is not on this host', async () => {
    expect(await probePort('203.0.113.77', 40000, 'tcp')).toMatchObject({ free: false, reason: 'address-unavailable' });
    await expect(probeFree('203.0.113.77', 40000, 'tcp')).rejects.toThrow(/203\.0\.113\.77 is not an address of this host/);
  });

  // Privileged ports exist unless the host lowered net.ipv4.ip_unprivileged_port_start to 0 or 1.
  it.runIf(unprivilegedPortStart() > 1)('reports a privileged port as not free with the reason (run as an unprivileged user when root)', async () => {
    const script = `import { probePort, probeFree } from ${JSON.stringify(join(import.meta.dirname, 'probe.ts'))};
      console.log(JSON.stringify([await probePort('127.0.0.1', 1, 'tcp'), await probeFree('127.0.0.1', 1, 'tcp')]));`;
    const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], asNobody);
    expect(JSON.parse(stdout)).toEqual([{ free: false, reason: 'permission-denied', code: 'EACCES' }, false]);
  });
});
