/**
 * One git call from a process of the daemon's size (issue 19): `git --version` run by the process
 * itself (execFile: a fork of the whole process, whose page tables grow with its RSS) against
 * through its spawner (controllers/runtime/child-process/spawner.ts, forked while the process was
 * small, as the daemon does at start), interleaved in the same run. Per call: the wall, and how
 * long it blocked the caller's event loop (its synchronous part: fork and exec for the former, the
 * IPC send for the latter); the same for 4 concurrent calls (planWorktree's start); and a new
 * worktree made by ensureWorktree (its git calls, as a converge makes them) with the longest
 * event-loop gap seen meanwhile (a 1 ms interval timer).
 */
import { runInProcess } from '../../controllers/runtime/child-process/in-process.ts';
import { useSpawner } from '../../controllers/runtime/child-process/run-file.ts';
import type { Spawner } from '../../controllers/runtime/child-process/spawner.ts';
import { readySpawner } from '../../controllers/runtime/child-process/testing.ts';
import { ensureWorktree, removeWorktree } from '../../controllers/worktree/index.ts';
import { initRepo, makeTempDir, removeTempDirs } from '../../controllers/worktree/test-repos.ts';
import { median, quantile, type BenchRow } from './stats.ts';

/** The caller's RSS: the daemon's memory budget with 50 workspaces (DESIGN.md §8). */
const PARENT_RSS_MB = 150;
/** Measured rounds (after 3 unmeasured ones); each runs both ways. */
const RUNS = 40;
/** Calls at once in the concurrent variant. */
const CONCURRENT = 4;
/** Measured new worktrees per way. */
const WORKTREE_RUNS = 15;

type Run = () => Promise<unknown>;

/** Wall and event-loop block (ms) of `calls` calls started at once. */
async function measure(run: Run, calls: number): Promise<{ wall: number; blocked: number }> {
  const started = performance.now();
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < calls; i += 1) pending.push(run());
  const blocked = performance.now() - started;
  await Promise.all(pending);
  return { wall: performance.now() - started, blocked };
}

/** Touched memory until this process's RSS reaches `mb` (held by the caller). */
function grow(mb: number): Buffer[] {
  const ballast: Buffer[] = [];
  while (process.memoryUsage.rss() < mb * 1024 * 1024) ballast.push(Buffer.allocUnsafe(4 * 1024 * 1024).fill(1));
  return ballast;
}

/** Runs the git-call benchmark and returns its rows. */
export async function benchGitCall(): Promise<BenchRow[]> {
  const spawner = await readySpawner();
  const ballast = grow(PARENT_RSS_MB);
  const rssMb = Math.round(process.memoryUsage.rss() / 1024 / 1024);
  const ways: [string, Run][] = [
    ['in this process (execFile)', () => runInProcess('git', ['--version'])],
    ['through the spawner', () => spawner.run('git', ['--version'])],
  ];
  const samples = new Map<string, { wall: number; blocked: number }[]>();
  const rows: BenchRow[] = [];
  try {
    for (let i = -3; i < RUNS; i += 1) {
      for (const calls of [1, CONCURRENT]) {
        for (const [way, run] of ways) {
          const sample = await measure(run, calls);
          if (i < 0) continue;
          const key = `${calls}|${way}`;
          samples.set(key, [...(samples.get(key) ?? []), sample]);
        }
      }
    }
    rows.push(...(await worktreeRows(spawner, rssMb)));
  } finally {
    useSpawner(undefined);
    spawner.close();
    removeTempDirs();
  }
  ballast.length = 0;
  return [...callRows(samples, ways.map(([way]) => way), rssMb), ...rows];
}

/** The rows of the git calls: wall and event-loop block per way, the spawner's against in-process. */
function callRows(samples: Map<string, { wall: number; blocked: number }[]>, ways: string[], rssMb: number): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const calls of [1, CONCURRENT]) {
    const what = calls === 1 ? 'one git call' : `${calls} concurrent git calls`;
    const direct = samples.get(`${calls}|${ways[0]!}`) ?? [];
    for (const way of ways) {
      const s = samples.get(`${calls}|${way}`) ?? [];
      const label = `${what} from a ${rssMb} MB process, ${way}`;
      const floorOf = (key: 'wall' | 'blocked'): { floor?: { name: string; value: number } } =>
        way !== ways[0] ? { floor: { name: `same, ${ways[0]!}`, value: median(direct.map((d) => d[key])) } } : {};
      rows.push({ name: `${label}: wall`, value: median(s.map((x) => x.wall)), p99: quantile(s.map((x) => x.wall), 0.99), unit: 'ms', ...floorOf('wall'), note: `git --version, N=${s.length}` });
      rows.push({ name: `${label}: event loop blocked`, value: median(s.map((x) => x.blocked)), p99: quantile(s.map((x) => x.blocked), 0.99), unit: 'ms', ...floorOf('blocked'), note: 'synchronous part of the call(s)' });
    }
  }
  return rows;
}

/** ensureWorktree of a new worktree (then removed), in-process and through `spawner`, interleaved. */
async function worktreeRows(spawner: Spawner, rssMb: number): Promise<BenchRow[]> {
  const repo = initRepo(makeTempDir('boulder-bench-git-call-'));
  const samples: Record<'direct' | 'spawner', { wall: number[]; gap: number[] }> = { direct: { wall: [], gap: [] }, spawner: { wall: [], gap: [] } };
  let n = 0;
  for (let i = -2; i < WORKTREE_RUNS; i += 1) {
    for (const way of ['direct', 'spawner'] as const) {
      useSpawner(way === 'spawner' ? spawner : undefined);
      const name = `ws${n++}`;
      let last = performance.now();
      let gap = 0;
      const timer = setInterval(() => {
        const now = performance.now();
        gap = Math.max(gap, now - last);
        last = now;
      }, 1);
      const started = performance.now();
      await ensureWorktree({ repoPath: repo, name, branch: `nexus/${name}`, baseRef: 'HEAD' });
      const wall = performance.now() - started;
      clearInterval(timer);
      await removeWorktree({ repoPath: repo, name, branch: `nexus/${name}`, force: true });
      if (i < 0) continue;
      samples[way].wall.push(wall);
      samples[way].gap.push(gap);
    }
  }
  const label = (way: string): string => `new worktree (ensureWorktree) from a ${rssMb} MB process, ${way}`;
  const direct = { wall: median(samples.direct.wall), gap: median(samples.direct.gap) };
  const note = `N=${WORKTREE_RUNS}`;
  return [
    { name: `${label('in this process')}: wall`, value: direct.wall, p99: quantile(samples.direct.wall, 0.99), unit: 'ms', note },
    { name: `${label('in this process')}: longest event-loop gap`, value: direct.gap, p99: quantile(samples.direct.gap, 0.99), unit: 'ms', note: '1 ms interval timer' },
    { name: `${label('through the spawner')}: wall`, value: median(samples.spawner.wall), p99: quantile(samples.spawner.wall, 0.99), unit: 'ms', floor: { name: 'same, in this process', value: direct.wall }, note },
    { name: `${label('through the spawner')}: longest event-loop gap`, value: median(samples.spawner.gap), p99: quantile(samples.spawner.gap, 0.99), unit: 'ms', floor: { name: 'same, in this process', value: direct.gap }, note: '1 ms interval timer' },
  ];
}
