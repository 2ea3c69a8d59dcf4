/**
 * 20 workspaces applied at once: wall time of `boulder apply -f` of one 20-document file with
 * `--wait` until all are Ready, against 20 containers created and started at once through the
 * Engine API on the default bridge (the goal's floor), measured interleaved. The row is attributed
 * by the engine's floor of what boulder asks of it per workspace, from the same run
 * (docker-floors.ts `fanoutFloorsOnce`): 20 create+start at once on one existing user-defined
 * bridge with inter-container traffic off, as the isolated network the workspaces run on; and 20
 * network creates at once, what a network per workspace cost before. All workspaces are deleted
 * (`delete -l --wait`) between runs.
 *
 * `npm run bench -- fanout` runs this row alone (with a warm-up apply); with
 * BOULDER_BENCH_BASELINE=/path/to/other/bin/boulder.js (or several, comma-separated) it also runs
 * that build's daemon and alternates the builds run by run (an A/B in one process, same floors).
 */
import { join } from 'node:path';
import { fanoutFloorsOnce, parallelContainersOnce, chooseFloorNetwork } from './docker-floors.ts';
import { engineProfileRows } from './engine-profile.ts';
import { DockerBenchEnv, workspaceManifest, writeManifests } from './docker-bench-env.ts';
import { phaseRows, phasesOf, type PhaseSample } from './phases.ts';
import { median, quantile, type BenchRow } from './stats.ts';

/** Workspaces per apply. */
const COUNT = 20;
/** Runs (no warm-up in the docker suite: the apply rows before it warmed the daemon up). */
const RUNS = Number(process.env['BOULDER_BENCH_FANOUT_RUNS'] ?? 5);

/** What one build's runs measured. */
interface BuildSamples {
  wall: number[];
  deleteMs: number[];
  createMs: number[];
  phases: PhaseSample[];
}

/** The same-run floors. */
interface FloorSamples {
  createStart: number[];
  networks: number[];
  onIsolated: number[];
}

/** Runs the 20-workspace benchmark on `env` (the docker suite) and returns its rows. */
export async function benchBatchApply(env: DockerBenchEnv): Promise<BenchRow[]> {
  return [...(await batchRows([{ label: '', env }])), ...(await engineProfileRows(env))];
}

/** `npm run bench -- fanout`: this row alone, with a warm-up; A/B against BOULDER_BENCH_BASELINE when set. */
export async function benchFanout(): Promise<BenchRow[]> {
  const builds: { label: string; env: DockerBenchEnv }[] = [];
  const baseline = process.env['BOULDER_BENCH_BASELINE'];
  try {
    builds.push({ label: '', env: await DockerBenchEnv.open() });
    const baselines = (baseline ?? '').split(',').filter((b) => b !== '');
    for (const [i, bin] of baselines.entries()) builds.push({ label: baselines.length === 1 ? 'baseline: ' : `baseline ${i + 1}: `, env: await DockerBenchEnv.open(bin) });
    const note = await chooseFloorNetwork(builds[0]!.env);
    if (note !== undefined) {
      process.stderr.write(`[bench] fanout: ${note}\n`);
      for (const b of builds.slice(1)) b.env.floorNetwork = builds[0]!.env.floorNetwork;
    }
    for (const { env } of builds) await warmUp(env);
    return [...(await batchRows(builds)), ...(await engineProfileRows(builds[0]!.env))];
  } finally {
    for (const { env } of builds) {
      const left = await env.close();
      if (left.boulder.length > 0) process.stderr.write(`[bench] fanout: ${env.bin} left ${left.boulder.length} object(s) behind (swept): ${left.boulder.join(', ')}\n`);
    }
  }
}

/** One workspace applied and deleted, unmeasured: the daemon's first converge loads its code. */
async function warmUp(env: DockerBenchEnv): Promise<void> {
  const file = writeManifests(join(env.root, 'warm.yaml'), [workspaceManifest(env.name('warm'), { labels: { 'boulder-bench/batch': 'warm' } })]);
  await env.boulderOk('apply', '-f', file, '--wait', '--timeout', '2m');
  await env.boulderOk('delete', 'ws', '-l', 'boulder-bench/batch=warm', '--wait', '--timeout', '2m');
}

/** Runs the floors and every build's apply, interleaved run by run; returns the rows. */
async function batchRows(builds: readonly { label: string; env: DockerBenchEnv }[]): Promise<BenchRow[]> {
  const floors: FloorSamples = { createStart: [], networks: [], onIsolated: [] };
  const samples = builds.map((): BuildSamples => ({ wall: [], deleteMs: [], createMs: [], phases: [] }));
  const first = builds[0]!.env;
  for (let run = 0; run < RUNS; run += 1) {
    floors.createStart.push(await parallelContainersOnce(first, COUNT));
    const f = await fanoutFloorsOnce(first, COUNT);
    floors.networks.push(f.networks);
    floors.onIsolated.push(f.onIsolated);
    // Rotate which build goes first, so none always follows the floors.
    const order = builds.map((_, i) => (i + run) % builds.length);
    for (const b of order) await applyOnce(builds[b]!.env, run, samples[b]!);
  }
  return [
    ...floorRows(floors),
    ...builds.flatMap((build, b) => buildRows(build.label, samples[b]!, floors)),
  ];
}

/** Applies COUNT workspaces with --wait, reads their timings back, deletes them; records into `s`. */
async function applyOnce(env: DockerBenchEnv, run: number, s: BuildSamples): Promise<void> {
  const label = { 'boulder-bench/batch': String(run) };
  const docs = Array.from({ length: COUNT }, (_, i) => workspaceManifest(env.name(`b${run}-${String(i).padStart(2, '0')}`), { labels: label }));
  const file = writeManifests(join(env.root, `batch-${run}.yaml`), docs);
  s.wall.push((await env.boulderOk('apply', '-f', file, '--wait', '--timeout', '5m')).ms);
  const listed = JSON.parse((await env.boulderOk('get', 'ws', '-l', `boulder-bench/batch=${run}`, '-o', 'json')).stdout) as { items: { status?: { timings?: { createMs?: number; phases?: PhaseSample } } }[] };
  for (const ws of listed.items) if (ws.status?.timings?.createMs !== undefined) s.createMs.push(ws.status.timings.createMs);
  for (const ws of listed.items) if (phasesOf(ws) !== undefined) s.phases.push(phasesOf(ws)!);
  s.deleteMs.push((await env.boulderOk('delete', 'ws', '-l', `boulder-bench/batch=${run}`, '--wait', '--timeout', '5m')).ms);
}

/** The engine floors as rows of their own (the attribution of the batch row). */
function floorRows(f: FloorSamples): BenchRow[] {
  const row = (name: string, values: number[], note: string): BenchRow => ({ name, value: median(values), p99: quantile(values, 0.99), unit: 'ms', note: `${note}, N=${values.length}` });
  return [
    row(`floor: ${COUNT}× network create at once (Engine API)`, f.networks, 'what a network per workspace cost (the engine serialises network creation); workspaces without services have none now'),
    row(`floor: ${COUNT}× container create+start at once on one user-defined bridge, inter-container traffic off`, f.onIsolated, 'what boulder asks of the engine for these workspaces (the isolated network), with no overhead'),
  ];
}

/** The batch row (against the goal's floor and the engine floor on an isolated-style network) and its phases. */
function buildRows(label: string, s: BuildSamples, f: FloorSamples): BenchRow[] {
  const wall = median(s.wall);
  const onIsolated = median(f.onIsolated);
  return [
    {
      name: `${label}${COUNT} workspaces applied at once → all Ready`,
      value: wall,
      p99: quantile(s.wall, 0.99),
      unit: 'ms',
      floor: { name: `${COUNT}× container create+start at once (Engine API)`, value: median(f.createStart) },
      budget: { text: '≤ 1.3× floor', met: wall <= 1.3 * median(f.createStart) },
      note: `${(wall / onIsolated).toFixed(2)}× the engine floor on an isolated-style network (${Math.round(onIsolated)} ms); per workspace createMs median ${Math.round(median(s.createMs))}, max ${Math.round(Math.max(...s.createMs))}; delete -l --wait ${Math.round(median(s.deleteMs))} ms; N=${s.wall.length}`,
    },
    ...attributionRows(label, wall, f),
    ...phaseRows(`${label}${COUNT} workspaces at once, per workspace`, s.phases),
  ];
}

/**
 * Where the batch row's distance to its floor lies (medians of the same run): the engine's cost of
 * starting the containers on an isolated-style network rather than the default bridge (its
 * embedded DNS set-up, engine-profile.ts), and what is left: boulder's own.
 */
function attributionRows(label: string, wall: number, f: FloorSamples): BenchRow[] {
  const floor = median(f.createStart);
  const onIsolated = median(f.onIsolated);
  const part = (name: string, value: number, note: string): BenchRow => ({ name: `${label}${COUNT} workspaces at once: part ${name}`, value, unit: 'ms', note: `${note}; ${(value / floor * 100).toFixed(0)} % of the floor` });
  return [
    part("engine's start on the isolated network beyond the default bridge", onIsolated - floor, 'floor on an isolated-style network − floor on the default bridge'),
    part("boulder's own beyond the engine's same work", wall - onIsolated, 'wall − floor on an isolated-style network'),
  ];
}
