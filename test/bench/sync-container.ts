/**
 * Container-side change detection (issue 19), local directory (host) ⇄ a Debian container without
 * inotify-tools, the sync root on a Docker volume (`/workspace/tree`), real engine and endpoints,
 * a synced tree of 20 000 files. For each way the container side can be watched:
 * - `host-watch` (default where possible): the volume's directory watched with the host's inotify;
 * - `poll` (hostWatch off): the adaptive `find -newer` poll, 250 ms after a change → 8 s idle;
 * - `poll 250 ms` (hostWatch off, no back-off): the previous fixed poll, for reference;
 * it measures the latency of a 1 KB edit made in the container until the host file has the new
 * content (p50/p95, 30 samples, an edit every ~200 ms) and the container's CPU while idle
 * (cgroup CPU time from the engine's stats over 30 s), plus this process's CPU.
 * Floors from the same run: the container's idle CPU with no session at all, and the time for the
 * host to see the same edit at all — an inotify watch on the volume's directory plus a read of the
 * file there (no sync: the least any container → host path can take).
 * In `host-watch` mode it also measures a 1 KB host edit until the container's file (read on the
 * host through the volume's directory) has the new content.
 * `BOULDER_BENCH_SYNC_MODES=host-watch,poll` runs only the modes whose label starts with one of
 * those words (default: all); `BOULDER_BENCH_SYNC_IDLE=0` skips the idle CPU windows.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Dockerode from 'dockerode';
import { createFileAncestorStore } from '../../controllers/sync/ancestor-store.ts';
import { createDockerEndpoint, type DockerEndpointOptions } from '../../controllers/sync/docker/docker-endpoint.ts';
import { ShellAgent } from '../../controllers/sync/docker/shell-agent.ts';
import { createSyncEngine } from '../../controllers/sync/engine.ts';
import { createLocalEndpoint } from '../../controllers/sync/local/local-endpoint.ts';
import { median, quantile, type BenchRow } from './stats.ts';
import { editLatencies, fileHas, makeTree, seenOnHost } from './sync-edits.ts';

const IMAGE = 'boulder-test/debian:bookworm';
const LABELS = { 'boulder-bench': 'sync-container' };
const FILES = 20_000;
const SAMPLES = 30;
const IDLE_WINDOW_MS = 30_000;
/** Long enough for the adaptive poll to reach its slowest interval (250 ms doubling to 8 s). */
const SETTLE_MS = 20_000;
const ROOT = '/workspace/tree';
const CLOCK_TICKS = 100;


function processCpuSeconds(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** The container's total CPU time in seconds (cgroup accounting, through the engine). */
async function containerCpuSeconds(docker: Dockerode, container: string): Promise<number> {
  const stats = (await docker.getContainer(container).stats({ stream: false })) as { cpu_stats: { cpu_usage: { total_usage: number } } };
  return stats.cpu_stats.cpu_usage.total_usage / 1e9;
}

/** Container CPU and this process's CPU over `ms`, in % of one core. */
async function idleCpu(docker: Dockerode, container: string, ms: number): Promise<{ container: number; self: number }> {
  const c0 = await containerCpuSeconds(docker, container);
  const s0 = processCpuSeconds();
  const t0 = performance.now();
  await sleep(ms);
  const c1 = await containerCpuSeconds(docker, container);
  const s1 = processCpuSeconds();
  const seconds = (performance.now() - t0) / 1000;
  return { container: ((c1 - c0) / seconds) * 100, self: ((s1 - s0) / seconds) * 100 };
}

/** Latency samples of a 1 KB container edit until `arrived(digest)` sees it on the host. */
function containerEdits(agent: ShellAgent, tag: string, arrived: (digest: string) => Promise<void>): Promise<number[]> {
  return editLatencies(SAMPLES, tag, (content) => agent.check(`printf '%s' '${content}' > ${ROOT}/back.txt`), arrived);
}

interface Mode {
  label: string;
  options: Partial<DockerEndpointOptions>;
}

const ALL_MODES: Mode[] = [
  { label: 'host-watch', options: {} },
  { label: 'poll (adaptive)', options: { hostWatch: false } },
  { label: 'poll 250 ms (before)', options: { hostWatch: false, pollMaxIntervalMs: 250 } },
];

const wantedModes = process.env.BOULDER_BENCH_SYNC_MODES?.split(',').filter((m) => m !== '');
const MODES = ALL_MODES.filter((m) => wantedModes === undefined || wantedModes.some((w) => m.label.startsWith(w)));
const MEASURE_IDLE = process.env.BOULDER_BENCH_SYNC_IDLE !== '0';

/** Latency samples of a 1 KB host edit until the container's file (seen through the volume) has it. */
function hostEdits(alphaRoot: string, hostTree: string): Promise<number[]> {
  return editLatencies(SAMPLES, 'h2c', (content) => writeFile(join(alphaRoot, 'forth.txt'), content), (digest) => fileHas(join(hostTree, 'forth.txt'), digest));
}

/** Runs the benchmark (see the module comment). */
export async function benchSyncContainer(): Promise<BenchRow[]> {
  const docker = new Dockerode();
  const id = randomBytes(4).toString('hex');
  const name = `nexus-sync-bench-ctr-${id}`;
  const base = await mkdtemp(join(tmpdir(), 'boulder-bench-sync-ctr-'));
  const alphaRoot = join(base, 'alpha');
  await mkdir(alphaRoot);
  const rows: BenchRow[] = [];
  await docker.createVolume({ Name: name, Labels: LABELS });
  const container = await docker.createContainer({ name, Image: IMAGE, Cmd: ['sleep', 'infinity'], Labels: LABELS, HostConfig: { Mounts: [{ Type: 'volume', Source: name, Target: '/workspace' }] } });
  await container.start();
  const agent = await ShellAgent.start(docker, name, '/tmp/.bench-probe');
  try {
    await agent.check(`mkdir -p ${ROOT}`);
    await makeTree(alphaRoot, FILES);
    const ancestor = join(base, 'ancestor.json');
    // Initial sync host → container (not measured here: `npm run bench -- sync` does).
    {
      const engine = createSyncEngine({ alpha: createLocalEndpoint(alphaRoot), beta: createDockerEndpoint({ docker, container: name, root: ROOT }), ancestorStore: createFileAncestorStore(ancestor) });
      let result = await engine.runCycle();
      while (result.changesApplied > 0 || result.retry) result = await engine.runCycle();
      await engine.close();
    }
    const mountpoint = (await docker.getVolume(name).inspect()).Mountpoint;
    const hostTree = `${mountpoint}${ROOT.slice('/workspace'.length)}`;

    // Floors: the container idle with the tree and no session; the host seeing an edit at all.
    await sleep(2000);
    const idleFloor = MEASURE_IDLE ? await idleCpu(docker, name, IDLE_WINDOW_MS) : { container: 0, self: 0 };
    const seenFloor = await containerEdits(agent, 'floor', seenOnHost(hostTree));

    for (const mode of MODES) {
      const engine = createSyncEngine({
        alpha: createLocalEndpoint(alphaRoot),
        beta: createDockerEndpoint({ docker, container: name, root: ROOT, ...mode.options }),
        ancestorStore: createFileAncestorStore(ancestor),
      });
      const abort = new AbortController();
      let firstCycle: () => void = () => undefined;
      const settled = new Promise<void>((resolve) => (firstCycle = resolve));
      const watching = engine.watch(abort.signal, { onCycle: () => firstCycle() });
      try {
        // The first (full) cycle rehashes the tree in the container (a new endpoint has no digests).
        await settled;
        await sleep(MEASURE_IDLE ? SETTLE_MS : 1000);
        const idle = MEASURE_IDLE ? await idleCpu(docker, name, IDLE_WINDOW_MS) : undefined;
        const latencies = await containerEdits(agent, mode.label.slice(0, 4), (digest) => fileHas(join(alphaRoot, 'back.txt'), digest));
        rows.push({
          name: `sync: 1 KB edit container → host, ${mode.label}`,
          value: median(latencies),
          p99: quantile(latencies, 0.99),
          unit: 'ms',
          floor: { name: 'host sees the edit (inotify + read)', value: median(seenFloor) },
          budget: { text: 'p50 ≤ 50 ms, p95 ≤ 100 ms', met: median(latencies) <= 50 && quantile(latencies, 0.95) <= 100 },
          note: `p95 ${quantile(latencies, 0.95).toFixed(0)} ms (floor p95 ${quantile(seenFloor, 0.95).toFixed(1)} ms), N=${SAMPLES}`,
        });
        if (mode.label === 'host-watch') {
          const forth = await hostEdits(alphaRoot, hostTree);
          rows.push({
            name: `sync: 1 KB edit host → container, ${mode.label}`,
            value: median(forth),
            p99: quantile(forth, 0.99),
            unit: 'ms',
            floor: { name: 'host sees the edit (inotify + read)', value: median(seenFloor) },
            note: `p95 ${quantile(forth, 0.95).toFixed(0)} ms, N=${SAMPLES}`,
          });
        }
        if (idle === undefined) continue;
        rows.push({
          name: `sync: idle container CPU, ${FILES} files, ${mode.label}`,
          value: idle.container,
          unit: '%',
          floor: { name: 'container idle, no session', value: idleFloor.container },
          budget: { text: '≤ 1 % of a core', met: idle.container <= 1 },
          note: `syncing process ${idle.self.toFixed(2)} % (floor ${idleFloor.self.toFixed(2)} %), ${IDLE_WINDOW_MS / 1000} s`,
        });
      } finally {
        abort.abort();
        await watching;
        await engine.close();
      }
    }
  } finally {
    agent.close();
    await container.remove({ force: true }).catch(() => undefined);
    await docker.getVolume(name).remove({ force: true }).catch(() => undefined);
    await rm(base, { recursive: true, force: true });
  }
  return rows;
}
