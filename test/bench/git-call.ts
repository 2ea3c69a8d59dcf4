/**
 * One git call from a process of the daemon's size (issue 19): `git --version` run by the process
 * itself (execFile: a fork of the whole process, whose page tables grow with its RSS) against
 * through its spawner (controllers/runtime/child-process/spawner.ts, forked while the process was
 * small, as the daemon does at start), interleaved in the same run. Per call: the wall, and how
 * long it blocked the caller's event loop (its synchronous part: fork and exec for the former, the
 * IPC send for the latter); and the same for 4 concurrent calls (planWorktree's start).
 */
import { runInProcess } from '../../controllers/runtime/child-process/in-process.ts';
import { readySpawner } from '../../controllers/runtime/child-process/testing.ts';
import { median, quantile, type BenchRow } from './stats.ts';

/** The caller's RSS: the daemon's memory budget with 50 workspaces (DESIGN.md §8). */
const PARENT_RSS_MB = 150;
/** Measured rounds (after 3 unmeasured ones); each runs both ways. */
const RUNS = 40;
/** Calls at once in the concurrent variant. */
const CONCURRENT = 4;

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
  } finally {
    spawner.close();
  }
  const rows: BenchRow[] = [];
  for (const calls of [1, CONCURRENT]) {
    const what = calls === 1 ? 'one git call' : `${calls} concurrent git calls`;
    const direct = samples.get(`${calls}|${ways[0]![0]}`) ?? [];
    for (const [way] of ways) {
      const s = samples.get(`${calls}|${way}`) ?? [];
      const label = `${what} from a ${rssMb} MB process, ${way}`;
      const viaSpawner = way !== ways[0]![0];
      const floorOf = (key: 'wall' | 'blocked'): { floor?: { name: string; value: number } } =>
        viaSpawner ? { floor: { name: `same, ${ways[0]![0]}`, value: median(direct.map((d) => d[key])) } } : {};
      rows.push({ name: `${label}: wall`, value: median(s.map((x) => x.wall)), p99: quantile(s.map((x) => x.wall), 0.99), unit: 'ms', ...floorOf('wall'), note: `git --version, N=${s.length}` });
      rows.push({ name: `${label}: event loop blocked`, value: median(s.map((x) => x.blocked)), p99: quantile(s.map((x) => x.blocked), 0.99), unit: 'ms', ...floorOf('blocked'), note: 'synchronous part of the call(s)' });
    }
  }
  ballast.length = 0;
  return rows;
}
