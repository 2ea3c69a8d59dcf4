/**
 * Black-box tests of the daemon: the lock (one per state dir), status/stop, graceful signals,
 * the background start by `apply`, and `reconcile --once`. Every daemon started here is stopped
 * in afterAll, whatever happened.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childrenOf, processEnds } from '../../controllers/runtime/child-process/testing.ts';
import { FIXTURES, ensureBuilt, processAlive, runBoulder, startBoulder, tempStateDir, type RunResult } from './harness.ts';

const stateDirs: string[] = [];
const pids = new Set<number>();

async function newStateDir(): Promise<string> {
  const dir = await tempStateDir();
  stateDirs.push(dir);
  return dir;
}

function cli(stateDir: string): (...args: string[]) => Promise<RunResult> {
  return (...args) => runBoulder(['--state-dir', stateDir, ...args]);
}

/** The pid `daemon status -o json` reports, remembered for the final cleanup. */
async function daemonPid(stateDir: string): Promise<number | undefined> {
  const r = await cli(stateDir)('daemon', 'status', '-o', 'json');
  const status = JSON.parse(r.stdout) as { running: boolean; pid?: number };
  if (status.pid !== undefined) pids.add(status.pid);
  return status.running ? status.pid : undefined;
}

beforeAll(async () => {
  await ensureBuilt();
});

afterAll(async () => {
  for (const dir of stateDirs) await runBoulder(['--state-dir', dir, 'daemon', 'stop', '--timeout', '10s']);
  for (const pid of pids) if (processAlive(pid)) process.kill(pid, 'SIGKILL');
  for (const dir of stateDirs) await rm(dir, { recursive: true, force: true });
});

describe('boulder daemon', () => {
  it('runs in the foreground, refuses a second instance, reports status and stops on request', async () => {
    const dir = await newStateDir();
    const boulder = cli(dir);
    expect(await boulder('daemon', 'status')).toMatchObject({ code: 3, stdout: `boulder daemon is not running\n  state dir:  ${dir}\n` });

    const daemon = startBoulder(['--state-dir', dir, 'daemon']);
    if (daemon.child.pid !== undefined) pids.add(daemon.child.pid);
    await daemon.until((_out, err) => err.includes('boulder daemon running'));
    expect(daemon.stderr()).toBe(`boulder daemon running (pid ${daemon.child.pid}) for ${dir}; logs: ${join(dir, 'logs', 'daemon.log')}\n`);

    const second = await boulder('daemon');
    expect(second).toMatchObject({ code: 7, stderr: `error: a daemon already runs for ${dir} (pid ${daemon.child.pid})\n` });

    const status = await boulder('daemon', 'status');
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`boulder daemon is running\n  pid:        ${daemon.child.pid}\n  uptime:     `);
    expect(await readFile(join(dir, 'daemon.pid'), 'utf8')).toBe(`${daemon.child.pid}\n`);

    const stop = await boulder('daemon', 'stop');
    expect(stop).toMatchObject({ code: 0, stdout: `boulder daemon stopped (pid ${daemon.child.pid})\n` });
    expect(await daemon.exited).toBe(0);
    expect((await boulder('daemon', 'status')).code).toBe(3);
    expect(existsSync(join(dir, 'daemon.sock'))).toBe(false);
    expect(existsSync(join(dir, 'daemon.pid'))).toBe(false);

    const log = (await readFile(join(dir, 'logs', 'daemon.log'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { msg: string; pid: number });
    expect(log.map((l) => l.msg)).toEqual(expect.arrayContaining(['daemon started', 'daemon stopping', 'daemon stopped']));
    expect(log.every((l) => l.pid === daemon.child.pid)).toBe(true);
    expect(await boulder('daemon', 'stop')).toMatchObject({ code: 0, stdout: `boulder daemon is not running for ${dir}\n` });
  });

  it('stops gracefully on SIGTERM and can start again afterwards', async () => {
    const dir = await newStateDir();
    for (let round = 0; round < 2; round++) {
      const daemon = startBoulder(['--state-dir', dir, 'daemon']);
      if (daemon.child.pid !== undefined) pids.add(daemon.child.pid);
      await daemon.until((_out, err) => err.includes('boulder daemon running'));
      daemon.child.kill('SIGTERM');
      // A stuck shutdown fails with what the daemon said and logged, not a bare test timeout.
      const exited = await Promise.race([daemon.exited, sleep(20_000).then(() => 'stuck' as const)]);
      if (exited === 'stuck') {
        const log = await readFile(join(dir, 'logs', 'daemon.log'), 'utf8').catch(() => '(no log)');
        throw new Error(`the daemon did not exit within 20 s of SIGTERM\nstderr:\n${daemon.stderr()}\nlog:\n${log}`);
      }
      expect(exited).toBe(0);
      expect(daemon.stderr()).toContain('boulder daemon stopped');
    }
  });

  it('takes over after a daemon was killed with SIGKILL', async () => {
    const dir = await newStateDir();
    const first = startBoulder(['--state-dir', dir, 'daemon']);
    if (first.child.pid !== undefined) pids.add(first.child.pid);
    await first.until((_out, err) => err.includes('boulder daemon running'));
    first.child.kill('SIGKILL');
    await first.exited;
    expect(existsSync(join(dir, 'daemon.sock'))).toBe(true);
    expect((await cli(dir)('daemon', 'status')).code).toBe(3);
    const second = startBoulder(['--state-dir', dir, 'daemon']);
    if (second.child.pid !== undefined) pids.add(second.child.pid);
    await second.until((_out, err) => err.includes('boulder daemon running'));
    expect(await daemonPid(dir)).toBe(second.child.pid);
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
  });
});

/** The pid of the spawner `daemonPid` forked (bin/boulder-spawner.js), waited for briefly. */
async function spawnerOf(daemonPid: number): Promise<number> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const spawner = childrenOf(daemonPid).find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('bin/boulder-spawner.js'));
    if (spawner !== undefined) return spawner;
    if (Date.now() > deadline) throw new Error(`daemon ${daemonPid} has no spawner child`);
    await sleep(20);
  }
}

describe('the daemon’s spawner', () => {
  it('is forked at the daemon’s start and ends with it, stopped or killed with SIGKILL', async () => {
    const dir = await newStateDir();
    for (const end of ['stop', 'SIGKILL'] as const) {
      const daemon = startBoulder(['--state-dir', dir, 'daemon']);
      const pid = daemon.child.pid as number;
      pids.add(pid);
      await daemon.until((_out, err) => err.includes('boulder daemon running'));
      const spawner = await spawnerOf(pid);
      pids.add(spawner);
      if (end === 'stop') expect((await cli(dir)('daemon', 'stop')).code).toBe(0);
      else daemon.child.kill('SIGKILL');
      await daemon.exited;
      expect(await processEnds(spawner, 3000)).toBe(true);
    }
  });
});

describe('boulder apply with the daemon', () => {
  it('starts a background daemon that converges the workspace, and reuses it', async () => {
    const dir = await newStateDir();
    const boulder = cli(dir);
    const apply = await boulder('apply', '-f', join(FIXTURES, 'workspace.yaml'));
    expect(apply.code).toBe(0);
    expect(apply.stdout).toBe('workspace.nexus.dev/demo created\n');
    expect(apply.stderr).toMatch(new RegExp(`^started boulder daemon \\(pid \\d+\\) for ${dir}\\n$`));
    const pid = await daemonPid(dir);
    expect(pid).toBeDefined();

    const wait = await boulder('wait', 'ws/demo', '--for=condition=Ready', '--timeout=20s');
    expect(wait).toMatchObject({ code: 0, stdout: 'workspace.nexus.dev/demo condition met\n' });
    const table = await boulder('get', 'ws', 'demo');
    expect(table.stdout.split('\n')[1]).toMatch(/^demo +Running +mock +\S+ +Running +\S+ +True /);
    const described = await boulder('describe', 'ws', 'demo');
    expect(described.stdout).toMatch(/\nConditions:\n {2}TYPE +STATUS +REASON +AGE +MESSAGE\n/);
    expect(described.stdout).toMatch(/\n {2}Ready +True /);

    const again = await boulder('apply', '-f', join(FIXTURES, 'workspace.yaml'), '--wait', '--timeout', '20s');
    expect(again).toMatchObject({ code: 0, stdout: 'workspace.nexus.dev/demo unchanged\n' });
    // --wait shows the conditions (all True already) and ends with the Ready line.
    expect(again.stderr).toMatch(/^(workspace\/demo: \w+=True \(\w+\)\n)+workspace\/demo: Ready \(\d+\.\ds\)\n$/);
    expect(await daemonPid(dir)).toBe(pid);

    const del = await boulder('delete', 'ws', 'demo', '--wait', '--timeout', '20s');
    expect(del).toMatchObject({ code: 0, stdout: 'workspace.nexus.dev "demo" deleted\n' });
    expect((await boulder('get', 'ws', 'demo')).code).toBe(4);

    expect((await boulder('daemon', 'stop')).code).toBe(0);
    expect(processAlive(pid as number)).toBe(false);
  });
});

describe('boulder reconcile --once', () => {
  it('converges in-process and exits 0', async () => {
    const dir = await newStateDir();
    const boulder = cli(dir);
    expect((await boulder('apply', '-f', join(FIXTURES, 'workspace.yaml'), '--no-daemon')).code).toBe(0);
    expect((await boulder('daemon', 'status')).code).toBe(3);
    const r = await boulder('reconcile', '--once', '--timeout', '30s');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^reconciled 2 objects \(\d+ reconciles\) in [\d.]+s; 0 failing\n$/);
    const obj = JSON.parse((await boulder('get', 'ws', 'demo', '-o', 'json')).stdout) as { status: { phase: string; conditions: { type: string; status: string }[] } };
    expect(obj.status.phase).toBe('Running');
    expect(obj.status.conditions.find((c) => c.type === 'Ready')?.status).toBe('True');
  });

  it('requires --once', async () => {
    const dir = await newStateDir();
    const r = await cli(dir)('reconcile');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('only --once is supported');
  });
});
