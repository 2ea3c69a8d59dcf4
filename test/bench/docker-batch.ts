/**
 * 20 workspaces applied at once: wall time of `boulder apply -f` of one 20-document file with
 * `--wait` until all are Ready, against 20 containers created and started at once through the
 * Engine API (measured interleaved). All are deleted (`delete -l --wait`) between runs.
 */
import { join } from 'node:path';
import { parallelContainersOnce } from './docker-floors.ts';
import { workspaceManifest, writeManifests, type DockerBenchEnv } from './docker-bench-env.ts';
import { phaseRows, phasesOf, type PhaseSample } from './phases.ts';
import { median, quantile, type BenchRow } from './stats.ts';

/** Workspaces per apply. */
const COUNT = 20;
/** Runs (no warm-up: the apply rows before it warmed the daemon up). */
const RUNS = 5;

/** Runs the 20-workspace benchmark and returns its row. */
export async function benchBatchApply(env: DockerBenchEnv): Promise<BenchRow[]> {
  const wall: number[] = [];
  const deleteMs: number[] = [];
  const createMs: number[] = [];
  const floor: number[] = [];
  const phases: PhaseSample[] = [];
  for (let run = 0; run < RUNS; run += 1) {
    floor.push(await parallelContainersOnce(env, COUNT));
    const label = { 'boulder-bench/batch': String(run) };
    const docs = Array.from({ length: COUNT }, (_, i) => workspaceManifest(env.name(`b${run}-${String(i).padStart(2, '0')}`), { labels: label }));
    const file = writeManifests(join(env.root, `batch-${run}.yaml`), docs);
    wall.push((await env.boulderOk('apply', '-f', file, '--wait', '--timeout', '5m')).ms);
    const listed = JSON.parse((await env.boulderOk('get', 'ws', '-l', `boulder-bench/batch=${run}`, '-o', 'json')).stdout) as { items: { status?: { timings?: { createMs?: number; phases?: PhaseSample } } }[] };
    for (const ws of listed.items) if (ws.status?.timings?.createMs !== undefined) createMs.push(ws.status.timings.createMs);
    for (const ws of listed.items) if (phasesOf(ws) !== undefined) phases.push(phasesOf(ws)!);
    deleteMs.push((await env.boulderOk('delete', 'ws', '-l', `boulder-bench/batch=${run}`, '--wait', '--timeout', '5m')).ms);
  }
  return [
    {
      name: `${COUNT} workspaces applied at once → all Ready`,
      value: median(wall),
      p99: quantile(wall, 0.99),
      unit: 'ms',
      floor: { name: `${COUNT}× container create+start at once (Engine API)`, value: median(floor) },
      note: `per workspace createMs median ${Math.round(median(createMs))}, max ${Math.round(Math.max(...createMs))}; delete -l --wait ${Math.round(median(deleteMs))} ms`,
    },
    ...phaseRows(`${COUNT} workspaces at once, per workspace`, phases),
  ];
}
