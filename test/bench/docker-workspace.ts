/**
 * Docker workspace benchmarks (issue 3), through the real CLI against a temporary state dir with
 * its own daemon: apply → Ready with the image present (vs `docker run` and `devcontainer up`),
 * switch, drift repair, and 20 workspaces applied at once. A section that fails becomes a row
 * with its error instead of a number; the daemon is always stopped and nothing labelled is left.
 */
import { benchApplyToReady } from './docker-apply.ts';
import { benchBatchApply } from './docker-batch.ts';
import { BENCH_IMAGE, DockerBenchEnv, expectSuccess, runCommand } from './docker-bench-env.ts';
import { chooseFloorNetwork } from './docker-floors.ts';
import { benchDriftRepair } from './docker-repair.ts';
import { benchSwitch } from './docker-switch.ts';
import type { BenchRow } from './stats.ts';

const SECTIONS: [string, (env: DockerBenchEnv) => Promise<BenchRow[]>][] = [
  ['apply → Ready', benchApplyToReady],
  ['switch', benchSwitch],
  ['drift repair', benchDriftRepair],
  ['20 workspaces at once', benchBatchApply],
];

/** Only the apply → Ready section (`npm run bench -- apply`). */
export function benchDockerApply(): Promise<BenchRow[]> {
  return benchDockerWorkspace(['apply → Ready']);
}

/** Runs every Docker workspace benchmark (or the named sections) and returns its rows. */
export async function benchDockerWorkspace(only?: readonly string[]): Promise<BenchRow[]> {
  expectSuccess(`docker image inspect ${BENCH_IMAGE} (run bash test/env/images.sh)`, await runCommand('docker', ['image', 'inspect', BENCH_IMAGE]));
  const env = await DockerBenchEnv.open();
  const rows: BenchRow[] = [];
  try {
    const floorNote = await chooseFloorNetwork(env);
    if (floorNote !== undefined) process.stderr.write(`[bench] docker: ${floorNote}\n`);
    for (const [name, run] of SECTIONS) {
      if (only !== undefined && !only.includes(name)) continue;
      process.stderr.write(`[bench] docker: ${name}…\n`);
      try {
        rows.push(...(await run(env)));
      } catch (err) {
        rows.push({ name: `${name}: FAILED`, value: Number.NaN, unit: 'ms', note: (err as Error).message });
        // Leave no workspace of the failed section behind for the next one.
        await env.boulder('delete', 'workspaces', '--all', '--force', '--wait', '--timeout', '60s');
      }
    }
  } finally {
    const left = await env.close();
    if (left.boulder.length > 0) {
      process.stderr.write(`[bench] docker: boulder left ${left.boulder.length} object(s) behind (swept): ${left.boulder.join(', ')}\n`);
      rows.push({ name: 'cleanup: objects boulder left behind', value: Number.NaN, unit: 'ms', note: `${left.boulder.length} swept: ${left.boulder.join(', ')}` });
    }
    if (left.bench.length > 0) process.stderr.write(`[bench] docker: swept ${left.bench.length} floor object(s): ${left.bench.join(', ')}\n`);
  }
  return rows;
}
