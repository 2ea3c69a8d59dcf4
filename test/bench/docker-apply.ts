/**
 * apply → Ready with the image present: wall time of `boulder apply -f ws.yaml --wait` of a new
 * docker workspace (no repository, and with a worktree of a temp git repository), against
 * `docker run --rm IMAGE true` and `devcontainer up` of the same image, measured interleaved in
 * the same run. Each workspace is deleted (`delete --wait`) between runs. The worktree variant's
 * wall is attributed to node start, the CLI, the wake-up, engine/git floors measured right after
 * each apply (apply-floors.ts) and boulder's own time (apply-attribution.ts).
 */
import { join } from 'node:path';
import { STORE_FILE } from '../../apis/config/state-dir.ts';
import { openEmbeddedStore, type EmbeddedStore } from '../../apis/store/embedded-store.ts';
import { segmentRows, watchApply, type ApplySegments } from './apply-segments.ts';
import { attribute, attributionRows, type ApplyAttribution } from './apply-attribution.ts';
import { equivalentStartOnce, gitWorktreeAddOnce, nodeStartOnce, type ApplyFloors } from './apply-floors.ts';
import { DevcontainerFloor, dockerRunFloorName, dockerRunOnce } from './docker-floors.ts';
import { createGitRepository, DockerBenchEnv, workspaceManifest, writeManifests } from './docker-bench-env.ts';
import { phaseRows, phasesOf, type PhaseSample } from './phases.ts';
import { median, quantile, type BenchRow } from './stats.ts';

/** Runs of each measurement (after one unmeasured warm-up). */
const RUNS = 7;

/** Budget of apply → Ready (ms). */
export const APPLY_BUDGET_MS = 500;
/** Budget of apply → Ready relative to `devcontainer up`. */
export const APPLY_DEVCONTAINER_RATIO = 0.75;

/** Samples of one apply variant. */
interface ApplySamples {
  wall: number[];
  createMs: number[];
  deleteMs: number[];
  phases: PhaseSample[];
  segments: ApplySegments[];
  /** Floors measured right after each apply, and the wall split with them (with worktree only). */
  floors?: ApplyFloors[];
  parts?: ApplyAttribution[];
}

/** Applies a new workspace, waits for Ready, reads its `status.timings.createMs`, deletes it. */
async function applyOnce(env: DockerBenchEnv, store: EmbeddedStore, name: string, repository: string | undefined, into: ApplySamples | undefined): Promise<void> {
  const file = writeManifests(join(env.root, `${name}.yaml`), [workspaceManifest(name, { repository })]);
  const watch = await watchApply(store, name);
  const spawnedAt = performance.now();
  const applied = await env.boulderOk('apply', '-f', file, '--wait', '--timeout', '60s');
  const segments = await watch.finish(spawnedAt, spawnedAt + applied.ms);
  const ws = JSON.parse((await env.boulderOk('get', 'ws', name, '-o', 'json')).stdout) as { status?: { containerId?: string; timings?: { createMs?: number; phases?: PhaseSample } } };
  const floors = into?.floors !== undefined && repository !== undefined ? await floorsOnce(env, repository, ws.status?.containerId, name) : undefined;
  const deleted = await env.boulderOk('delete', 'ws', name, '--wait', '--timeout', '60s');
  if (into === undefined) return;
  into.wall.push(applied.ms);
  if (ws.status?.timings?.createMs !== undefined) into.createMs.push(ws.status.timings.createMs);
  into.deleteMs.push(deleted.ms);
  const phases = phasesOf(ws);
  if (phases !== undefined) into.phases.push(phases);
  into.segments.push(segments);
  if (floors !== undefined) addAttribution(into, attribute(applied.ms, segments, floors, phases?.['converge']), floors);
}

/** Keeps one run's floors and the split of its wall time. */
function addAttribution(into: ApplySamples, parts: ApplyAttribution, floors: ApplyFloors): void {
  into.floors?.push(floors);
  into.parts?.push(parts);
}

/** The floor components of one apply, measured while its workspace container still exists. */
async function floorsOnce(env: DockerBenchEnv, repository: string, containerId: string | undefined, suffix: string): Promise<ApplyFloors> {
  if (containerId === undefined) throw new Error(`workspace ${suffix} reported no containerId`);
  const engine = await equivalentStartOnce(env, containerId, suffix);
  const gitWorktreeAdd = await gitWorktreeAddOnce(env, repository, suffix);
  return { node: await nodeStartOnce(), gitWorktreeAdd, ...engine };
}

function note(s: ApplySamples): string {
  return `status.timings.createMs ${Math.round(median(s.createMs))} ms; delete --wait ${Math.round(median(s.deleteMs))} ms`;
}

/** Rows of one variant: against `docker run` (≤ 500 ms) and against `devcontainer up` (≤ 0.75×). */
function variantRows(label: string, s: ApplySamples, dockerRun: { name: string; value: number }, devcontainer: number | string): BenchRow[] {
  const value = median(s.wall);
  const p99 = quantile(s.wall, 0.99);
  const rows: BenchRow[] = [
    { name: `apply → Ready, ${label}`, value, p99, unit: 'ms', floor: dockerRun, budget: { text: `≤ ${APPLY_BUDGET_MS} ms`, met: value <= APPLY_BUDGET_MS }, note: note(s) },
  ];
  if (typeof devcontainer === 'number') {
    const ratio = `≤ ${APPLY_DEVCONTAINER_RATIO}× devcontainer up`;
    rows.push({ name: `apply → Ready, ${label}`, value, p99, unit: 'ms', floor: { name: 'devcontainer up (same image)', value: devcontainer }, budget: { text: ratio, met: value <= APPLY_DEVCONTAINER_RATIO * devcontainer } });
  } else {
    rows.push({ name: `apply → Ready, ${label}`, value, p99, unit: 'ms', note: `vs devcontainer up: not measured: ${devcontainer}` });
  }
  return rows;
}

/** Prepares the `devcontainer up` floor: its flags, or why it cannot be measured. */
async function prepareDevcontainer(devcontainer: DevcontainerFloor): Promise<{ flags: string[]; error?: string }> {
  try {
    return { flags: await devcontainer.prepare() };
  } catch (err) {
    return { flags: [], error: (err as Error).message };
  }
}

/** Runs the apply → Ready benchmark and returns its rows. */
export async function benchApplyToReady(env: DockerBenchEnv): Promise<BenchRow[]> {
  const repository = createGitRepository(join(env.root, 'repo-apply'));
  const devcontainer = new DevcontainerFloor(env);
  const { flags: devcontainerFlags, error: devcontainerError } = await prepareDevcontainer(devcontainer);
  const dockerRun: number[] = [];
  const devcontainerUp: number[] = [];
  const plain: ApplySamples = { wall: [], createMs: [], deleteMs: [], phases: [], segments: [] };
  const worktree: ApplySamples = { wall: [], createMs: [], deleteMs: [], phases: [], segments: [], floors: [], parts: [] };
  const store = await openEmbeddedStore({ path: join(env.stateDir, STORE_FILE) });
  const baseline = await openBaseline();
  try {
    await dockerRunOnce(env);
    await applyOnce(env, store, env.name('warm'), undefined, undefined);
    await applyOnce(env, store, env.name('warm-wt'), repository, undefined);
    await baseline?.warm();

    for (let i = 0; i < RUNS; i += 1) {
      dockerRun.push(await dockerRunOnce(env));
      await applyOnce(env, store, env.name(`apply-${i}`), undefined, plain);
      await applyOnce(env, store, env.name(`apply-wt-${i}`), repository, worktree);
      await baseline?.once(i);
      if (devcontainerError === undefined) devcontainerUp.push(await devcontainer.upOnce());
    }
  } finally {
    await devcontainer.removeContainer();
    await store.close();
    await baseline?.close();
  }

  const dockerRunFloor = { name: dockerRunFloorName(env), value: median(dockerRun) };
  const devcontainerMedian = devcontainerError ?? median(devcontainerUp);
  const rows: BenchRow[] = [];
  if (typeof devcontainerMedian === 'number') {
    const flags = devcontainerFlags.length === 0 ? 'default flags' : devcontainerFlags.join(' ');
    rows.push({ name: 'devcontainer up (floor, same image)', value: devcontainerMedian, p99: quantile(devcontainerUp, 0.99), unit: 'ms', floor: dockerRunFloor, note: `offline, ${flags}` });
  }
  rows.push(...variantRows('image present, no repository', plain, dockerRunFloor, devcontainerMedian));
  rows.push(...variantRows('image present, with worktree', worktree, dockerRunFloor, devcontainerMedian));
  rows.push(...segmentRows('apply → Ready, no repository', plain.segments));
  rows.push(...segmentRows('apply → Ready, with worktree', worktree.segments));
  rows.push(...phaseRows('apply → Ready, with worktree', worktree.phases));
  rows.push(...attributionRows('apply → Ready, with worktree', worktree.floors ?? [], worktree.parts ?? [], dockerRunFloor));
  if (baseline !== undefined) rows.push(...baseline.rows(dockerRunFloor));
  return rows;
}

/**
 * With `BOULDER_BENCH_BASELINE=/path/to/other/bin/boulder.js`: the same applies by a second build
 * (CLI and daemon, its own state dir), interleaved with this build's, for a before/after in the
 * same run (its rows are prefixed `baseline: `; the worktree variant with its phases and its
 * attribution against the floors measured after its own applies).
 */
async function openBaseline(): Promise<{ warm(): Promise<void>; once(i: number): Promise<void>; rows(floor: { name: string; value: number }): BenchRow[]; close(): Promise<void> } | undefined> {
  const bin = process.env['BOULDER_BENCH_BASELINE'];
  if (bin === undefined || bin === '') return undefined;
  const env = await DockerBenchEnv.open(bin);
  const store = await openEmbeddedStore({ path: join(env.stateDir, STORE_FILE) });
  const repository = createGitRepository(join(env.root, 'repo-apply'));
  const plain: ApplySamples = { wall: [], createMs: [], deleteMs: [], phases: [], segments: [] };
  const worktree: ApplySamples = { wall: [], createMs: [], deleteMs: [], phases: [], segments: [], floors: [], parts: [] };
  return {
    async warm() {
      await applyOnce(env, store, env.name('warm'), undefined, undefined);
      await applyOnce(env, store, env.name('warm-wt'), repository, undefined);
    },
    async once(i) {
      await applyOnce(env, store, env.name(`apply-${i}`), undefined, plain);
      await applyOnce(env, store, env.name(`apply-wt-${i}`), repository, worktree);
    },
    rows(floor) {
      return [
        ...variantRows('baseline: image present, no repository', plain, floor, 'baseline').slice(0, 1),
        ...variantRows('baseline: image present, with worktree', worktree, floor, 'baseline').slice(0, 1),
        ...segmentRows('baseline: apply → Ready, no repository', plain.segments),
        ...segmentRows('baseline: apply → Ready, with worktree', worktree.segments),
        ...phaseRows('baseline: apply → Ready, with worktree', worktree.phases),
        ...attributionRows('baseline: apply → Ready, with worktree', worktree.floors ?? [], worktree.parts ?? [], floor),
      ];
    },
    async close() {
      await store.close();
      await env.close();
    },
  };
}
