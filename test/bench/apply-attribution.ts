/**
 * Where apply → Ready's wall time goes (issue 19): per run, the wall (CLI spawn → exit) is split at
 * the moments a store watch sees (apply-segments.ts) and set against the floors measured right
 * after that run (apply-floors.ts):
 *
 *   wall = node start + CLI's own (start → object stored, beyond node start) + wake-up
 *        + engine/git (critical path: network create + max(git worktree add, create + start))
 *        + boulder's own in the daemon (first write → Ready, beyond engine/git)
 *        + Ready → CLI exit
 *
 * A workspace without services runs on the isolated network, which exists (network create 0);
 * one with services has its network made by the daemon's Provider.prepare before the container. A
 * new worktree (a named image) is made alongside the container's create and start
 * (controllers/workspace/worktree-steps.ts), so the critical path holds the longer of the two. Each part is a per-run
 * difference; the rows show their medians (which need not add up exactly to the median wall).
 */
import type { ApplyFloors } from './apply-floors.ts';
import type { ApplySegments } from './apply-segments.ts';
import { median, quantile, type BenchRow } from './stats.ts';

/** The goal of issue 19: apply → Ready with worktree ≤ 1.15× `docker run --rm IMAGE true`. */
export const APPLY_FLOOR_RATIO = 1.15;

/** One run's wall time split into parts (ms). */
export interface ApplyAttribution {
  wall: number;
  node: number;
  cliOwn: number;
  wake: number;
  engineGit: number;
  boulderOwn: number;
  readyToExit: number;
  /** Of `boulderOwn`: around the converge (finalizer write → converge start, and the status write), when `converge` was recorded. */
  aroundConverge?: number;
}

/**
 * Splits one run's `wall` with its segments and floors; `convergeMs` (status.timings.phases.converge,
 * the converge's wall up to the status write) splits boulder's own daemon time further.
 */
export function attribute(wall: number, segments: ApplySegments, floors: ApplyFloors, convergeMs?: number): ApplyAttribution {
  const engineGit = floors.networkCreate + Math.max(floors.gitWorktreeAdd, floors.containerCreate + floors.containerStart);
  return {
    ...(convergeMs !== undefined ? { aroundConverge: segments.daemonToReady - convergeMs } : {}),
    wall,
    node: floors.node,
    cliOwn: segments.cliToStored - floors.node,
    wake: segments.storedToDaemon,
    engineGit,
    boulderOwn: segments.daemonToReady - engineGit,
    readyToExit: segments.readyToExit,
  };
}

/** The parts every run has (all but the optional sub-parts). */
type Part = Exclude<keyof ApplyAttribution, 'aroundConverge'>;

const PARTS: [Part, string][] = [
  ['node', 'node start (node -e 0)'],
  ['cliOwn', "CLI's own: start → object stored, beyond node start"],
  ['wake', 'wake-up: stored → daemon\'s first write'],
  ['engineGit', 'engine/git critical path: network create + max(git worktree add, create + start)'],
  ['boulderOwn', "boulder's own in the daemon: first write → Ready, beyond engine/git"],
  ['readyToExit', 'Ready written → CLI exit'],
];

/** Parts of `boulderOwn`, shown when measured. */
const SUBPARTS: ['aroundConverge', string][] = [
  ['aroundConverge', "of boulder's own in the daemon: around the converge (finalizer write → converge start, status write)"],
];

const FLOORS: [keyof ApplyFloors, string][] = [
  ['gitWorktreeAdd', 'git worktree add (same repository)'],
  ['networkCreate', 'Engine API network create'],
  ['containerCreate', 'Engine API create of the equivalent container (its own config) on a user network'],
  ['containerStart', 'Engine API start of it (the bare engine start)'],
];

/** The floor rows, the attribution rows and the summary against `docker run` (`dockerRun` median). */
export function attributionRows(label: string, floors: readonly ApplyFloors[], parts: readonly ApplyAttribution[], dockerRun: { name: string; value: number }): BenchRow[] {
  const n = parts.length;
  const rows: BenchRow[] = FLOORS.map(([key, what]) => {
    const values = floors.map((f) => f[key]);
    return { name: `${label}: floor ${what}`, value: median(values), p99: quantile(values, 0.99), unit: 'ms' as const, note: `same run, after each apply, N=${values.length}` };
  });
  for (const [key, what] of PARTS) {
    const values = parts.map((p) => p[key]);
    rows.push({ name: `${label}: part ${what}`, value: median(values), p99: quantile(values, 0.99), unit: 'ms', note: `per-run difference, N=${n}` });
  }
  for (const [key, what] of SUBPARTS) {
    const values = parts.map((p) => p[key]).filter((v): v is number => v !== undefined);
    if (values.length > 0) rows.push({ name: `${label}: part ${what}`, value: median(values), p99: quantile(values, 0.99), unit: 'ms', note: `daemon's first write → Ready minus phase converge, N=${values.length}` });
  }
  const wall = median(parts.map((p) => p.wall));
  const own = parts.map((p) => p.cliOwn + p.wake + p.boulderOwn + p.readyToExit);
  const outside = parts.map((p) => p.node + p.engineGit);
  const summary = PARTS.map(([key]) => `${key} ${Math.round(median(parts.map((p) => p[key])))}`).join(' + ');
  rows.push({
    name: `${label}: wall`,
    value: wall,
    unit: 'ms',
    floor: dockerRun,
    budget: { text: `≤ ${APPLY_FLOOR_RATIO}× ${dockerRun.name}`, met: wall <= APPLY_FLOOR_RATIO * dockerRun.value },
    note: `= ${summary} (medians, ms)`,
  });
  rows.push({ name: `${label}: outside boulder (node start + engine/git critical path)`, value: median(outside), unit: 'ms', floor: dockerRun, note: `what no CLI/daemon can go below on this engine, N=${n}` });
  rows.push({ name: `${label}: boulder's own (CLI + wake + daemon + exit, beyond floors)`, value: median(own), unit: 'ms', note: `wall − outside, N=${n}` });
  return rows;
}
