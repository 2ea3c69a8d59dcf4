/**
 * Daemon footprint with 50 workspaces (DESIGN budgets: idle CPU < 1 % of a core, RSS ≤ 150 MB):
 * applies 50 mock-backend workspaces, waits until all are Ready, then samples the daemon's
 * utime+stime (/proc/<pid>/stat) over an idle window and its resident memory. Floor: the same
 * reading of an idle `node -e` process that only keeps a timer alive.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchRow } from './stats.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'boulder.js');
const IDLE_WINDOW_MS = 20_000;
const CLOCK_TICKS = 100;

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Resident memory of a process in MB. */
function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))!;
  return Number(line.replace(/\D+/g, '')) / 1024;
}

async function idleCpuPercent(pid: number): Promise<number> {
  const before = cpuSeconds(pid);
  await sleep(IDLE_WINDOW_MS);
  return ((cpuSeconds(pid) - before) / (IDLE_WINDOW_MS / 1000)) * 100;
}

/** Runs the daemon footprint benchmark. */
export async function benchDaemonIdle(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'boulder-bench-idle-'));
  const stateDir = join(dir, 'state');
  const boulder = (...args: string[]): string => execFileSync(process.execPath, [BIN, '--state-dir', stateDir, ...args], { encoding: 'utf8' });
  const floorProcess = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  try {
    const docs = Array.from({ length: 50 }, (_, i) =>
      `---\napiVersion: nexus.dev/v1alpha1\nkind: Workspace\nmetadata:\n  name: idle-${i}\nspec:\n  backend: mock\n  image: busybox\n  ports:\n    web:\n      containerPort: 3000\n`,
    );
    writeFileSync(join(dir, 'ws.yaml'), docs.join(''));
    boulder('apply', '-f', join(dir, 'ws.yaml'), '--wait', '--timeout', '120s');
    const status = JSON.parse(boulder('daemon', 'status', '-o', 'json')) as { pid: number };
    await sleep(3_000);
    const [daemonCpu, floorCpu] = await Promise.all([idleCpuPercent(status.pid), idleCpuPercent(floorProcess.pid!)]);
    const daemonRss = rssMb(status.pid);
    const floorRss = rssMb(floorProcess.pid!);
    return [
      {
        name: 'daemon idle CPU, 50 workspaces (mock, 50 port forwarders)',
        value: daemonCpu,
        unit: '%',
        floor: { name: 'idle node process', value: Math.max(floorCpu, 0.01) },
        budget: { text: '< 1 % of a core', met: daemonCpu < 1 },
        note: `over ${IDLE_WINDOW_MS / 1000} s`,
      },
      {
        name: 'daemon memory (RSS), 50 workspaces',
        value: daemonRss,
        unit: 'MB',
        floor: { name: 'idle node process', value: floorRss },
        budget: { text: '≤ 150 MB', met: daemonRss <= 150 },
      },
    ];
  } finally {
    floorProcess.kill();
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
