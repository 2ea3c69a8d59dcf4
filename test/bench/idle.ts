/**
 * `npm run bench -- idle`: wake on demand and the cost of idle tracking.
 * - Wake on connect: a real daemon (`boulder apply` starts it) runs a docker workspace with
 *   `idleTimeout: 2s` serving HTTP (busybox httpd); each sample waits until Docker reports the
 *   container paused (idle), then times an HTTP request to its forwarded host port from the
 *   connect to the first byte of the response (the daemon holds the connection, resumes the
 *   workspace, then forwards). Floor, same run: a plain busybox httpd container paused by hand,
 *   timed from `docker unpause` to the first byte of a direct request to its address.
 * - Idle CPU: 50 mock-backend workspaces with `idleTimeout: 5s` (each one idle-tracked, all gone
 *   idle before the window) — the daemon's utime+stime over 20 s, against an idle node process.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BIN, FLOOR_LABEL, expectSuccess, runCommand } from './docker-bench-env.ts';
import { median, quantile, type BenchRow } from './stats.ts';

const IMAGE = 'boulder-test/busybox:latest';
const SAMPLES = 7;
const SERVER = 'mkdir -p /www && echo hello-idle > /www/index.html && exec httpd -f -p 8080 -h /www';
const IDLE_WINDOW_MS = 20_000;
const CLOCK_TICKS = 100;

/** Ms from connect to the first byte of GET / on host:port. */
function firstByte(host: string, port: number): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path: '/', agent: false, timeout: 60_000 }, (res) => {
      res.once('data', () => {
        const ms = performance.now() - started;
        res.resume();
        res.on('end', () => resolve(ms));
      });
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timed out')));
  });
}

async function paused(container: string): Promise<boolean> {
  const r = await runCommand('docker', ['inspect', '-f', '{{.State.Paused}}', container]);
  return r.stdout.trim() === 'true';
}

async function waitPaused(container: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await paused(container))) {
    if (Date.now() > deadline) throw new Error(`container ${container} did not go idle within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** Wake-on-connect samples and the floor's, in ms. */
async function wakeOnConnect(): Promise<BenchRow> {
  const dir = mkdtempSync(join(tmpdir(), 'boulder-bench-wake-'));
  const stateDir = join(dir, 'state');
  const boulder = (...args: string[]): string => execFileSync(process.execPath, [BIN, '--state-dir', stateDir, ...args], { encoding: 'utf8' });
  let floor: string | undefined;
  try {
    const manifest = [
      'apiVersion: nexus.dev/v1alpha1',
      'kind: Workspace',
      'metadata: {name: bench-wake}',
      'spec:',
      '  backend: docker',
      `  image: ${IMAGE}`,
      '  idleTimeout: 2s',
      '  ports: {web: {containerPort: 8080}}',
      `  scripts: {postStart: "${SERVER.replace('exec ', '').replace('-f ', '')}"}`,
      '',
    ].join('\n');
    writeFileSync(join(dir, 'ws.yaml'), manifest);
    boulder('apply', '-f', join(dir, 'ws.yaml'), '--wait', '--timeout', '120s');
    const ws = JSON.parse(boulder('get', 'workspace', 'bench-wake', '-o', 'json')) as { status: { containerId: string } };
    let port: number | undefined;
    for (let i = 0; i < 100 && port === undefined; i++) {
      const pbs = JSON.parse(boulder('get', 'portbindings', '-o', 'json')) as { items: { status?: { phase?: string; hostPort?: number } }[] };
      port = pbs.items.find((p) => p.status?.phase === 'Bound')?.status?.hostPort;
      if (port === undefined) await sleep(200);
    }
    if (port === undefined) throw new Error('the port binding never became Bound');
    const samples: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      await waitPaused(ws.status.containerId);
      await sleep(300); // settled: status written, onSleep done
      samples.push(await firstByte('127.0.0.1', port));
    }
    floor = expectSuccess('docker run', await runCommand('docker', ['run', '-d', '--label', `${FLOOR_LABEL}=idle`, IMAGE, 'sh', '-c', SERVER])).stdout.trim();
    const ip = expectSuccess('docker inspect', await runCommand('docker', ['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', floor])).stdout.trim();
    for (let i = 0; i < 50; i++) {
      try {
        await firstByte(ip, 8080);
        break;
      } catch {
        await sleep(100);
      }
    }
    const floors: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      expectSuccess('docker pause', await runCommand('docker', ['pause', floor]));
      await sleep(300);
      const started = performance.now();
      expectSuccess('docker unpause', await runCommand('docker', ['unpause', floor]));
      await firstByte(ip, 8080);
      floors.push(performance.now() - started);
    }
    const value = median(samples);
    const floorValue = median(floors);
    return {
      name: 'wake on connect (paused → first byte)',
      value,
      unit: 'ms',
      p99: quantile(samples, 0.99),
      floor: { name: 'docker unpause + direct request', value: floorValue },
      budget: { text: '≤ 1.5× floor', met: value <= 1.5 * floorValue },
      note: `${SAMPLES} samples`,
    };
  } finally {
    if (floor !== undefined) await runCommand('docker', ['rm', '-f', floor]);
    try {
      boulder('delete', 'workspaces', '--all', '--wait', '--timeout', '60s');
    } catch {
      /* reported by the stop below if the daemon is gone */
    }
    try {
      boulder('daemon', 'stop');
    } catch {
      /* not running */
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

async function idleCpuPercent(pid: number): Promise<number> {
  const before = cpuSeconds(pid);
  await sleep(IDLE_WINDOW_MS);
  return ((cpuSeconds(pid) - before) / (IDLE_WINDOW_MS / 1000)) * 100;
}

/** Daemon CPU with 50 idle-tracked (and idle-paused) mock workspaces. */
async function idleTrackedCpu(): Promise<BenchRow> {
  const dir = mkdtempSync(join(tmpdir(), 'boulder-bench-idlecpu-'));
  const stateDir = join(dir, 'state');
  const boulder = (...args: string[]): string => execFileSync(process.execPath, [BIN, '--state-dir', stateDir, ...args], { encoding: 'utf8' });
  const floorProcess = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  try {
    const docs = Array.from({ length: 50 }, (_, i) => `---\napiVersion: nexus.dev/v1alpha1\nkind: Workspace\nmetadata:\n  name: idle-${i}\nspec:\n  backend: mock\n  image: busybox\n  idleTimeout: 5s\n  ports:\n    web:\n      containerPort: 3000\n`);
    writeFileSync(join(dir, 'ws.yaml'), docs.join(''));
    boulder('apply', '-f', join(dir, 'ws.yaml'), '--wait', '--timeout', '120s');
    const status = JSON.parse(boulder('daemon', 'status', '-o', 'json')) as { pid: number };
    await sleep(10_000); // every workspace passes its deadline and is paused for idleness
    const list = JSON.parse(boulder('get', 'workspaces', '-o', 'json')) as { items: { status?: { conditions?: { type: string; status: string }[] } }[] };
    const idle = list.items.filter((w) => w.status?.conditions?.some((c) => c.type === 'Idle' && c.status === 'True')).length;
    const [daemonCpu, floorCpu] = await Promise.all([idleCpuPercent(status.pid), idleCpuPercent(floorProcess.pid!)]);
    return {
      name: 'daemon idle CPU, 50 idle-tracked workspaces (mock)',
      value: daemonCpu,
      unit: '%',
      floor: { name: 'idle node process', value: Math.max(floorCpu, 0.01) },
      budget: { text: '< 1 % of a core', met: daemonCpu < 1 },
      note: `over ${IDLE_WINDOW_MS / 1000} s; ${idle}/50 idle-paused`,
    };
  } finally {
    floorProcess.kill();
    try {
      boulder('delete', 'workspaces', '--all', '--wait', '--timeout', '60s');
    } catch {
      /* reported by the stop below */
    }
    try {
      boulder('daemon', 'stop');
    } catch {
      /* not running */
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the idle benchmark. */
export async function benchIdle(): Promise<BenchRow[]> {
  return [await wakeOnConnect(), await idleTrackedCpu()];
}
