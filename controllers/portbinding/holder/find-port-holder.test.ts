import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/ports/servers.ts';
import { findPortHolder } from './find-port-holder.ts';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** Starts `node -e SCRIPT` that binds PORT and prints "ready". */
async function holder(script: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const [data] = (await once(child.stdout!, 'data')) as [Buffer];
  expect(data.toString()).toBe('ready');
  return child;
}

describe.runIf(process.platform === 'linux')('findPortHolder (Linux /proc)', () => {
  it('finds the process listening on a TCP port', async () => {
    const port = await freePort();
    const child = await holder(`require('node:net').createServer().listen(${port}, '127.0.0.1', () => process.stdout.write('ready'))`);
    const found = await findPortHolder(port, 'tcp');
    expect(found).toMatchObject({ pid: child.pid, command: 'node' });
    expect(found?.commandLine).toContain(`listen(${port}`);
    expect(await findPortHolder(port, 'udp')).toBeUndefined();
  });

  it('finds an IPv6 listener and a UDP socket', async () => {
    const tcpPort = await freePort();
    const udpPort = await freePort('127.0.0.1', 'udp');
    const child = await holder(`
      const net = require('node:net'), dgram = require('node:dgram');
      net.createServer().listen(${tcpPort}, '::', () =>
        dgram.createSocket('udp4').bind(${udpPort}, '127.0.0.1', () => process.stdout.write('ready')));`);
    expect((await findPortHolder(tcpPort, 'tcp'))?.pid).toBe(child.pid);
    expect((await findPortHolder(udpPort, 'udp'))?.pid).toBe(child.pid);
  });

  it('finds nothing for a port nobody holds, or once the holder is gone', async () => {
    const port = await freePort();
    expect(await findPortHolder(port, 'tcp')).toBeUndefined();
    const child = await holder(`require('node:net').createServer().listen(${port}, '127.0.0.1', () => process.stdout.write('ready'))`);
    expect((await findPortHolder(port, 'tcp'))?.pid).toBe(child.pid);
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(await findPortHolder(port, 'tcp')).toBeUndefined();
  });
});

describe('findPortHolder elsewhere', () => {
  it('finds nothing off Linux or without a proc filesystem', async () => {
    expect(await findPortHolder(22, 'tcp', { platform: 'darwin' })).toBeUndefined();
    const empty = mkdtempSync(join(tmpdir(), 'boulder-noproc-'));
    try {
      expect(await findPortHolder(22, 'tcp', { procRoot: empty, platform: 'linux' })).toBeUndefined();
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
