/**
 * Control-plane benchmarks (issue 2): CLI cold start, `boulder get workspaces` over 100 objects,
 * store write → watch event across processes, and apply throughput for 1,000 objects. Floors:
 * `node -e 0` (the cost of starting Node at all), a bare cross-process fs.watch notification, and
 * 1,000 creates through the store API in-process.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedStore } from '../../apis/store/embedded-store.ts';
import { measureCrossProcessWatchLatency } from '../store/watch-latency.ts';
import { median, quantile, timeCommand, type BenchRow } from './stats.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'boulder.js');

function workspace(name: string): object {
  return {
    apiVersion: 'nexus.dev/v1alpha1',
    kind: 'Workspace',
    metadata: { name, labels: { bench: 'true' } },
    spec: { backend: 'mock', image: 'boulder-test/busybox:latest', ports: { web: { containerPort: 3000 } } },
  };
}

/** Runs every control-plane benchmark and returns its rows. */
export async function benchControlPlane(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'boulder-bench-'));
  try {
    const nodeFloor = await timeCommand(21, process.execPath, ['-e', '0']);
    const floor = { name: 'node -e 0', value: median(nodeFloor) };

    const version = await timeCommand(21, process.execPath, [BIN, '--version']);
    rows.push({ name: 'boulder --version (cold start)', value: median(version), p99: quantile(version, 0.99), unit: 'ms', floor, budget: { text: '≤ 100 ms', met: median(version) <= 100 } });

    const stateDir = join(dir, 'get');
    const store = await openEmbeddedStore({ path: join(stateDir, 'boulder.db') });
    for (let i = 0; i < 100; i += 1) await store.create(workspace(`ws-${String(i).padStart(3, '0')}`) as never);
    await store.close();
    const get = await timeCommand(21, process.execPath, [BIN, 'get', 'workspaces', '--state-dir', stateDir]);
    rows.push({ name: 'boulder get workspaces (100 objects)', value: median(get), p99: quantile(get, 0.99), unit: 'ms', floor, budget: { text: '≤ 150 ms', met: median(get) <= 150 } });

    const latencies = await measureCrossProcessWatchLatency(200);
    const fsFloor = await fsWatchFloor(join(dir, 'fswatch'), 100);
    rows.push({
      name: 'store write → watch event, other process',
      value: median(latencies),
      p99: quantile(latencies, 0.99),
      unit: 'ms',
      floor: { name: 'fs.watch notify, other process', value: median(fsFloor) },
      budget: { text: '≤ 20 ms p50, ≤ 100 ms p99', met: median(latencies) <= 20 && quantile(latencies, 0.99) <= 100 },
    });

    rows.push(...(await applyThroughput(join(dir, 'apply'))));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

/** `boulder apply -f DIR` of 1,000 workspaces vs 1,000 store creates in-process. */
async function applyThroughput(dir: string): Promise<BenchRow[]> {
  const manifests = join(dir, 'manifests');
  mkdirSync(manifests, { recursive: true });
  const docs = Array.from({ length: 1000 }, (_, i) => JSON.stringify(workspace(`ws-${String(i).padStart(4, '0')}`)));
  writeFileSync(join(manifests, 'workspaces.yaml'), docs.map((d) => `---\n${d}\n`).join(''));
  const runs: number[] = [];
  for (let r = 0; r < 3; r += 1) {
    const stateDir = join(dir, `state-${r}`);
    const start = performance.now();
    execFileSync(process.execPath, [BIN, 'apply', '-f', manifests, '--no-daemon', '--state-dir', stateDir], { stdio: 'ignore' });
    runs.push(1000 / ((performance.now() - start) / 1000));
  }
  const floorRuns: number[] = [];
  for (let r = 0; r < 3; r += 1) {
    const store = await openEmbeddedStore({ path: join(dir, `floor-${r}`, 'boulder.db') });
    const objects = docs.map((d) => JSON.parse(d) as never);
    const start = performance.now();
    for (const obj of objects) await store.create(obj);
    floorRuns.push(1000 / ((performance.now() - start) / 1000));
    await store.close();
  }
  return [
    {
      name: 'boulder apply -f (1,000 objects, one file)',
      value: median(runs),
      unit: 'ops/s',
      floor: { name: 'store.create ×1000 in-process', value: median(floorRuns) },
      note: `${(1000 / median(runs)).toFixed(2)} s for 1,000 incl. process start`,
    },
  ];
}

/** Latency of a bare fs.watch notification for a file written by another process (ms). */
async function fsWatchFloor(dir: string, samples: number): Promise<number[]> {
  mkdirSync(dir, { recursive: true });
  const target = join(dir, 'touch');
  const results: number[] = [];
  const script = `
    const fs = require('node:fs');
    const n = ${samples + 5};
    let i = 0;
    const tick = () => { fs.writeFileSync(${JSON.stringify(target)}, String(performance.timeOrigin + performance.now())); if (++i < n) setTimeout(tick, 10); };
    setTimeout(tick, 50);`;
  await new Promise<void>((resolve, reject) => {
    let seen = 0;
    const watcher = watch(dir, () => {
      const receivedAt = performance.timeOrigin + performance.now();
      seen += 1;
      if (seen > 5) {
        try {
          const sentAt = Number(execFileSync('cat', [target]).toString());
          if (Number.isFinite(sentAt)) results.push(receivedAt - sentAt);
        } catch {
          /* file being rewritten */
        }
      }
      if (results.length >= samples) {
        watcher.close();
        resolve();
      }
    });
    const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', () => setTimeout(() => { watcher.close(); resolve(); }, 200));
  });
  return results;
}
