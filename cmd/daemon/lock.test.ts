import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliError } from '../cli-error.ts';
import { acquireDaemonSocket, type DaemonSocket } from './lock.ts';
import { daemonPaths, type DaemonPaths } from './paths.ts';
import { daemonStatus, requestDaemon } from './protocol.ts';

const status = { pid: 4242, startedAt: '2025-01-01T00:00:00Z', stateDir: '/s', version: '0.1.0' };

describe('daemon socket lock', () => {
  let dir: string;
  let paths: DaemonPaths;
  const held: DaemonSocket[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'boulder-lock-'));
    paths = daemonPaths(dir);
  });
  afterEach(async () => {
    for (const s of held.splice(0)) await s.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers status requests while held and is released on close', async () => {
    const socket = await acquireDaemonSocket(paths, (req) => (req.op === 'status' ? status : { stopping: true }));
    expect(await daemonStatus(paths.socket)).toEqual(status);
    expect(await requestDaemon(paths.socket, { op: 'stop' })).toEqual({ state: 'answered', response: { stopping: true } });
    await socket.close();
    expect(existsSync(paths.socket)).toBe(false);
    expect(await requestDaemon(paths.socket, { op: 'status' })).toEqual({ state: 'absent' });
  });

  it('refuses a second holder, naming the running pid', async () => {
    const ours = { ...status, stateDir: dir };
    held.push(await acquireDaemonSocket(paths, () => ours));
    const second = acquireDaemonSocket(paths, () => ours);
    await expect(second).rejects.toThrow(CliError);
    await expect(acquireDaemonSocket(paths, () => ours)).rejects.toThrow(`a daemon already runs for ${dir} (pid 4242)`);
  });

  it('says so when the holder of a shared (configured) socket serves another state dir', async () => {
    const socket = join(dir, 'shared.sock');
    held.push(await acquireDaemonSocket(daemonPaths(join(dir, 'a'), socket), () => ({ ...status, stateDir: join(dir, 'a') })));
    await expect(acquireDaemonSocket(daemonPaths(join(dir, 'b'), socket), () => status)).rejects.toThrow(
      `the daemon socket ${socket} is held by the daemon (pid 4242) of another state dir, ${join(dir, 'a')}`,
    );
  });

  it('names the configuration that set a socket path that is too long', async () => {
    const long = daemonPaths(dir, join(dir, 'y'.repeat(120)), 'node /etc/nexus/config.yaml:3:11');
    await expect(acquireDaemonSocket(long, () => status)).rejects.toThrow('use a shorter daemon.socket (set by node /etc/nexus/config.yaml:3:11)');
  });

  it('takes over the stale socket of a killed process', async () => {
    // A child listens on the socket and dies by SIGKILL, leaving the socket file behind.
    const child = spawn(process.execPath, [
      '-e',
      `require('node:net').createServer().listen(${JSON.stringify(paths.socket)}, () => process.kill(process.pid, 'SIGKILL'))`,
    ]);
    await new Promise((resolve) => child.once('exit', resolve));
    expect(existsSync(paths.socket)).toBe(true);
    expect(await requestDaemon(paths.socket, { op: 'status' })).toEqual({ state: 'absent' });
    const socket = await acquireDaemonSocket(paths, () => status);
    held.push(socket);
    expect(await daemonStatus(paths.socket)).toEqual(status);
  });

  it('lets exactly one of several concurrent starters win over a stale socket', async () => {
    const child = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(paths.socket)}, () => process.kill(process.pid, 'SIGKILL'))`]);
    await new Promise((resolve) => child.once('exit', resolve));
    const results = await Promise.allSettled([1, 2, 3, 4].map((n) => acquireDaemonSocket(paths, () => ({ ...status, pid: n }))));
    const winners = results.filter((r): r is PromiseFulfilledResult<DaemonSocket> => r.status === 'fulfilled');
    held.push(...winners.map((w) => w.value));
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(3);
  });

  it('rejects state dirs whose socket path is too long', async () => {
    const long = daemonPaths(join(dir, 'x'.repeat(120)));
    await expect(acquireDaemonSocket(long, () => status)).rejects.toThrow('path too long');
  });
});
