/**
 * Drift repair: `docker rm -f` of a Ready workspace's container, then the time until the store
 * shows the workspace Ready again on a new container (watched from this process through the
 * embedded store, as `boulder wait` would see it). Floor: `docker run --rm IMAGE true`,
 * measured interleaved.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { STORE_FILE } from '../../apis/config/state-dir.ts';
import { openEmbeddedStore } from '../../apis/store/embedded-store.ts';
import type { Workspace } from '../../apis/types/index.ts';
import { dockerRunFloorName, dockerRunOnce } from './docker-floors.ts';
import { expectSuccess, runCommand, workspaceManifest, writeManifests, type DockerBenchEnv } from './docker-bench-env.ts';
import { whenReadyOnNewContainer } from './ready-watch.ts';
import { median, quantile, type BenchRow } from './stats.ts';

/** Repairs measured (after one unmeasured warm-up). */
const RUNS = 7;
/** Budget of container removed → Ready (ms). */
export const REPAIR_BUDGET_MS = 1500;
/** Pause between repairs so that follow-up reconciles of the previous one are done. */
const SETTLE_MS = 500;

/** Timings of one repair, in ms. */
interface RepairSample {
  /** From `docker rm -f` returning (container gone) to Ready on a new container. */
  fromRemoved: number;
  /** Wall time of the `docker rm -f` command itself. */
  removeCommand: number;
}

/** Removes the workspace's container out-of-band and times the repair. */
async function repairOnce(env: DockerBenchEnv, store: Awaited<ReturnType<typeof openEmbeddedStore>>, name: string): Promise<RepairSample> {
  const list = await store.list<Workspace>('Workspace', { namespace: 'default' });
  const ws = list.items.find((w) => w.metadata.name === name);
  const oldId = ws?.status?.containerId;
  if (oldId === undefined) throw new Error(`workspace ${name} has no container id in status`);
  const ready = whenReadyOnNewContainer(store, { namespace: 'default', name }, oldId, list.resourceVersion, 30_000);
  ready.catch(() => undefined); // handled below; keeps an early rejection from being unhandled
  const removed = expectSuccess('docker rm -f', await runCommand('docker', ['rm', '-f', oldId]));
  const removedAt = performance.now();
  const readyAt = await ready;
  return { fromRemoved: readyAt - removedAt, removeCommand: removed.ms };
}

/** Runs the drift-repair benchmark and returns its row. */
export async function benchDriftRepair(env: DockerBenchEnv): Promise<BenchRow[]> {
  const name = env.name('repair');
  await env.boulderOk('apply', '-f', writeManifests(join(env.root, 'repair.yaml'), [workspaceManifest(name)]), '--wait', '--timeout', '60s');
  const store = await openEmbeddedStore({ path: join(env.stateDir, STORE_FILE) });
  const samples: RepairSample[] = [];
  const floor: number[] = [];
  let repairs: number;
  try {
    await repairOnce(env, store, name);
    for (let i = 0; i < RUNS; i += 1) {
      await sleep(SETTLE_MS);
      floor.push(await dockerRunOnce(env));
      samples.push(await repairOnce(env, store, name));
    }
    repairs = (await store.get<Workspace>('Workspace', 'default', name)).status?.repairs?.length ?? 0;
  } finally {
    await store.close();
  }
  await env.boulderOk('delete', 'ws', name, '--wait', '--timeout', '60s');
  const values = samples.map((s) => s.fromRemoved);
  return [
    {
      name: 'drift repair: container removed → Ready',
      value: median(values),
      p99: quantile(values, 0.99),
      unit: 'ms',
      floor: { name: dockerRunFloorName(env), value: median(floor) },
      budget: { text: `≤ ${REPAIR_BUDGET_MS} ms`, met: median(values) <= REPAIR_BUDGET_MS },
      note: `after docker rm -f returned (itself ${Math.round(median(samples.map((s) => s.removeCommand)))} ms); status.repairs: ${repairs}`,
    },
  ];
}
