/**
 * switch: two docker workspaces of one temp repository, both Ready; `boulder switch A` and
 * `boulder switch B` alternately. Records the command's wall time and the figure it prints
 * (`switched to NAME in N ms`), against a hand-made switch of two plain containers (`docker pause`
 * + `docker unpause`) measured interleaved.
 */
import { join } from 'node:path';
import { pauseUnpauseOnce, startFloorContainer } from './docker-floors.ts';
import { createGitRepository, expectSuccess, runCommand, workspaceManifest, writeManifests, type DockerBenchEnv } from './docker-bench-env.ts';
import { median, quantile, type BenchRow } from './stats.ts';

/** Switches measured in each direction. */
const RUNS_PER_DIRECTION = 10;
/** Budget of a switch (ms). */
export const SWITCH_BUDGET_MS = 150;

/** `switched to b in 84 ms (paused: a)` → 84. */
export function printedSwitchMs(stdout: string): number {
  const match = /^switched to \S+ in (\d+) ms/m.exec(stdout);
  if (match === null) throw new Error(`unexpected output of boulder switch: ${JSON.stringify(stdout)}`);
  return Number(match[1]);
}

/** Runs the switch benchmark and returns its rows. */
export async function benchSwitch(env: DockerBenchEnv): Promise<BenchRow[]> {
  const repository = createGitRepository(join(env.root, 'repo-switch'));
  const names = [env.name('sw-a'), env.name('sw-b')] as const;
  const file = writeManifests(join(env.root, 'switch.yaml'), names.map((n) => workspaceManifest(n, { repository })));
  await env.boulderOk('apply', '-f', file, '--wait', '--timeout', '60s');
  const floors = [await startFloorContainer(env), await startFloorContainer(env)] as const;
  // Floor containers mirror the workspaces: after the warm-up, the second one is active.
  expectSuccess('docker pause', await runCommand('docker', ['pause', floors[0]]));
  await pauseUnpauseOnce(floors[1], floors[0]);
  await pauseUnpauseOnce(floors[0], floors[1]);
  await env.boulderOk('switch', names[0]);
  await env.boulderOk('switch', names[1]);

  const wall: number[] = [];
  const printed: number[] = [];
  const controllerMs: number[] = [];
  const floor: number[] = [];
  for (let i = 0; i < 2 * RUNS_PER_DIRECTION; i += 1) {
    const to = i % 2;
    floor.push(await pauseUnpauseOnce(floors[1 - to]!, floors[to]!));
    const r = await env.boulderOk('switch', names[to]!, '--timeout', '30s');
    wall.push(r.ms);
    printed.push(printedSwitchMs(r.stdout));
    const ws = JSON.parse((await env.boulderOk('get', 'ws', names[to]!, '-o', 'json')).stdout) as { status?: { timings?: { lastSwitchMs?: number } } };
    if (ws.status?.timings?.lastSwitchMs !== undefined) controllerMs.push(ws.status.timings.lastSwitchMs);
  }
  await env.boulderOk('delete', 'ws', ...names, '--wait', '--timeout', '60s');
  await Promise.all(floors.map((id) => env.docker.getContainer(id).remove({ force: true })));

  const floorRow = { name: 'docker pause A + docker unpause B', value: median(floor) };
  const budget = (value: number): BenchRow['budget'] => ({ text: `≤ ${SWITCH_BUDGET_MS} ms`, met: value <= SWITCH_BUDGET_MS });
  return [
    { name: 'switch A ⇄ B, boulder switch wall time', value: median(wall), p99: quantile(wall, 0.99), unit: 'ms', floor: floorRow, budget: budget(median(wall)), note: `N=${wall.length}` },
    {
      name: 'switch A ⇄ B, printed "in N ms"',
      value: median(printed),
      p99: quantile(printed, 0.99),
      unit: 'ms',
      floor: floorRow,
      budget: budget(median(printed)),
      note: `status.timings.lastSwitchMs ${Math.round(median(controllerMs))} ms`,
    },
  ];
}
