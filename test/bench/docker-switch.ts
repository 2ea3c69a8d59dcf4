/**
 * switch: two docker workspaces of one temp repository, both Ready; `boulder switch A` and
 * `boulder switch B` alternately. Records the command's wall time and the figure it prints
 * (`switched to NAME in N ms`), against a hand-made switch of two plain containers (`docker pause`
 * + `docker unpause`) measured interleaved, and attributes the wall time (issue 19) with floors of
 * the same run: Node's own start and exit (`node -e 0`), the engine's pause and unpause through the
 * Engine API (one after the other, and at once), each docker CLI run alone, and the daemon's
 * phases of each switch (status.timings.phases of the target). A watch of the state dir's store
 * splits each wall time: spawn → the switch written (the CLI's start and loading, then the write:
 * the daemon's, through its control socket, when one runs — or the CLI's own store round trips),
 * written → Ready stored (the daemon's wake and converge), Ready → exit (the daemon's answer, or
 * the CLI's own watch, then printing and exiting).
 *
 * `BOULDER_BENCH_BASELINE=/path/to/other/bin/boulder.js` runs a second build (CLI and daemon, its
 * own state dir and workspaces) interleaved with this one: a before/after in the same run.
 */
import { join } from 'node:path';
import { STORE_FILE } from '../../apis/config/state-dir.ts';
import { openEmbeddedStore, type EmbeddedStore } from '../../apis/store/embedded-store.ts';
import type { Workspace } from '../../apis/types/index.ts';
import { pauseUnpauseOnce, startFloorContainer } from './docker-floors.ts';
import { createGitRepository, DockerBenchEnv, expectSuccess, runCommand, workspaceManifest, writeManifests } from './docker-bench-env.ts';
import { median, quantile, type BenchRow } from './stats.ts';

/** Switches measured in each direction. */
const RUNS_PER_DIRECTION = 10;
/** Budget of a switch (ms). */
export const SWITCH_BUDGET_MS = 150;
/** Goal of issue 19: the wall time at most this many times the docker CLI floor. */
const FLOOR_RATIO_GOAL = 1.5;

/** `switched to b in 84 ms (paused: a)` → 84. */
export function printedSwitchMs(stdout: string): number {
  const match = /^switched to \S+ in (\d+) ms/m.exec(stdout);
  if (match === null) throw new Error(`unexpected output of boulder switch: ${JSON.stringify(stdout)}`);
  return Number(match[1]);
}

/** The samples of one build's switches. */
interface SwitchSamples {
  wall: number[];
  printed: number[];
  controller: number[];
  /** The target's status.timings.phases of each switch, by phase name. */
  phases: Map<string, number[]>;
  /** spawn → switch written, written → Ready stored, Ready stored → exit (store watch). */
  toWrite: number[];
  toReady: number[];
  toExit: number[];
}

const SWITCH_ANNOTATION = 'nexus.dev/switch-requested-at';

/** The switch request `ws` carries when it is not `previous`. */
function newRequest(ws: Workspace, previous: string | undefined): string | undefined {
  const annotation = ws.metadata.annotations?.[SWITCH_ANNOTATION];
  return annotation !== previous ? annotation : undefined;
}

/** True when `ws` is Ready and its status measured the switch `request`. */
function readyFor(ws: Workspace, request: string): boolean {
  return ws.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true && ws.status.timings?.lastSwitchAt === request;
}

/**
 * Starts watching `store` now: `written` resolves to the moment workspace `name` shows a switch
 * request other than `previous`, `ready` to the moment it is Ready for that request.
 */
async function watchSwitch(store: EmbeddedStore, name: string, previous: string | undefined, signal: AbortSignal): Promise<{ written: Promise<number>; ready: Promise<number> }> {
  const { resourceVersion } = await store.list<Workspace>('Workspace', { namespace: 'default' });
  let onWritten: (at: number) => void = () => undefined;
  const written = new Promise<number>((resolve) => (onWritten = resolve));
  const ready = (async () => {
    let request: string | undefined;
    for await (const event of store.watch<Workspace>('Workspace', { namespace: 'default', resourceVersion, signal })) {
      const ws = event.object;
      if (ws.metadata.name !== name) continue;
      const at = performance.now();
      if (request === undefined) {
        request = newRequest(ws, previous);
        if (request !== undefined) onWritten(at);
      }
      if (request !== undefined && readyFor(ws, request)) return at;
    }
    throw new Error(`the store never showed ${name} Ready after its switch`);
  })();
  ready.catch(() => undefined);
  return { written, ready };
}

/** Two Ready workspaces of one repository in `env`, switched to once each (warm-up). */
async function switchPair(env: DockerBenchEnv): Promise<readonly [string, string]> {
  const repository = createGitRepository(join(env.root, 'repo-switch'));
  const names = [env.name('sw-a'), env.name('sw-b')] as const;
  const file = writeManifests(join(env.root, 'switch.yaml'), names.map((n) => workspaceManifest(n, { repository })));
  await env.boulderOk('apply', '-f', file, '--wait', '--timeout', '60s');
  await env.boulderOk('switch', names[0]);
  await env.boulderOk('switch', names[1]);
  return names;
}

/** One measured `boulder switch NAME` in `env` (whose store is `store`), recorded in `into`. */
async function switchOnce(env: DockerBenchEnv, store: EmbeddedStore, name: string, into: SwitchSamples): Promise<void> {
  const previous = (await store.get<Workspace>('Workspace', 'default', name)).metadata.annotations?.[SWITCH_ANNOTATION];
  const abort = new AbortController();
  const watch = await watchSwitch(store, name, previous, abort.signal);
  const timer = setTimeout(() => abort.abort(), 30_000);
  const spawnedAt = performance.now();
  let r: Awaited<ReturnType<DockerBenchEnv['boulderOk']>>;
  let writtenAt: number;
  let readyAt: number;
  try {
    r = await env.boulderOk('switch', name, '--timeout', '30s');
    [writtenAt, readyAt] = await Promise.all([watch.written, watch.ready]);
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  into.toWrite.push(writtenAt - spawnedAt);
  into.toReady.push(readyAt - writtenAt);
  into.toExit.push(spawnedAt + r.ms - readyAt);
  into.wall.push(r.ms);
  into.printed.push(printedSwitchMs(r.stdout));
  const ws = JSON.parse((await env.boulderOk('get', 'ws', name, '-o', 'json')).stdout) as {
    status?: { timings?: { lastSwitchMs?: number; phases?: Record<string, number> } };
  };
  const timings = ws.status?.timings;
  if (timings?.lastSwitchMs !== undefined) into.controller.push(timings.lastSwitchMs);
  for (const [phase, ms] of Object.entries(timings?.phases ?? {})) {
    const list = into.phases.get(phase) ?? [];
    list.push(ms);
    into.phases.set(phase, list);
  }
}

const emptySamples = (): SwitchSamples => ({ wall: [], printed: [], controller: [], phases: new Map(), toWrite: [], toReady: [], toExit: [] });

const openStore = (env: DockerBenchEnv): Promise<EmbeddedStore> => openEmbeddedStore({ path: join(env.stateDir, STORE_FILE) });

/** Runs the switch benchmark and returns its rows. */
export async function benchSwitch(env: DockerBenchEnv): Promise<BenchRow[]> {
  const baselineBin = process.env['BOULDER_BENCH_BASELINE'];
  const baseline = baselineBin === undefined || baselineBin === '' ? undefined : await DockerBenchEnv.open(baselineBin);
  try {
    return await benchSwitchWith(env, baseline);
  } finally {
    if (baseline !== undefined) await baseline.close();
  }
}

async function benchSwitchWith(env: DockerBenchEnv, baseline: DockerBenchEnv | undefined): Promise<BenchRow[]> {
  const names = await switchPair(env);
  const baselineNames = baseline === undefined ? undefined : await switchPair(baseline);
  const stores = [await openStore(env), baseline === undefined ? undefined : await openStore(baseline)] as const;
  try {
    return await measureSwitches(env, names, stores[0], baseline === undefined || baselineNames === undefined || stores[1] === undefined ? undefined : { env: baseline, names: baselineNames, store: stores[1] });
  } finally {
    await Promise.all(stores.map((s) => s?.close()));
  }
}

/** A build's environment, workspaces and store. */
interface Build {
  env: DockerBenchEnv;
  names: readonly [string, string];
  store: EmbeddedStore;
}

async function measureSwitches(env: DockerBenchEnv, names: readonly [string, string], store: EmbeddedStore, baseline: Build | undefined): Promise<BenchRow[]> {
  const floors = [await startFloorContainer(env), await startFloorContainer(env)] as const;
  const engine = floors.map((id) => env.docker.getContainer(id));
  // Floor containers mirror the workspaces: after the warm-up, the second one is active.
  expectSuccess('docker pause', await runCommand('docker', ['pause', floors[0]]));
  await pauseUnpauseOnce(floors[1], floors[0]);
  await pauseUnpauseOnce(floors[0], floors[1]);

  const now = emptySamples();
  const before = emptySamples();
  const floor: number[] = [];
  const cliPause: number[] = [];
  const cliUnpause: number[] = [];
  const apiSequential: number[] = [];
  const apiParallel: number[] = [];
  const apiUnpause: number[] = [];
  const nodeStart: number[] = [];
  for (let i = 0; i < 2 * RUNS_PER_DIRECTION; i += 1) {
    const to = i % 2;
    const from = 1 - to;
    // docker CLI from → to, Engine API to → from one call after the other, then from → to at once:
    // the active floor container ends as `to`, like the workspaces.
    const pause = expectSuccess('docker pause', await runCommand('docker', ['pause', floors[from]!]));
    const unpause = expectSuccess('docker unpause', await runCommand('docker', ['unpause', floors[to]!]));
    cliPause.push(pause.ms);
    cliUnpause.push(unpause.ms);
    floor.push(pause.ms + unpause.ms);
    let t = performance.now();
    await engine[to]!.pause();
    const unpauseStarted = performance.now();
    await engine[from]!.unpause();
    apiSequential.push(performance.now() - t);
    apiUnpause.push(performance.now() - unpauseStarted);
    t = performance.now();
    await Promise.all([engine[from]!.pause(), engine[to]!.unpause()]);
    apiParallel.push(performance.now() - t);
    nodeStart.push(expectSuccess('node -e 0', await runCommand(process.execPath, ['-e', '0'])).ms);
    // This build and the baseline alternate which goes first.
    const runs: [DockerBenchEnv, EmbeddedStore, string, SwitchSamples][] = [[env, store, names[to]!, now]];
    if (baseline !== undefined) runs[i % 4 < 2 ? 'push' : 'unshift']([baseline.env, baseline.store, baseline.names[to]!, before]);
    for (const [where, itsStore, name, into] of runs) await switchOnce(where, itsStore, name, into);
  }
  await env.boulderOk('delete', 'ws', ...names, '--wait', '--timeout', '60s');
  await Promise.all(floors.map((id) => env.docker.getContainer(id).remove({ force: true })));
  return switchRows({ now, before: baseline === undefined ? undefined : before, floor, cliPause, cliUnpause, apiSequential, apiParallel, apiUnpause, nodeStart });
}

/** Everything measured, for the rows. */
interface SwitchFigures {
  now: SwitchSamples;
  before: SwitchSamples | undefined;
  floor: number[];
  cliPause: number[];
  cliUnpause: number[];
  apiSequential: number[];
  apiParallel: number[];
  apiUnpause: number[];
  nodeStart: number[];
}

const phaseNote = (s: SwitchSamples): string => {
  const names = ['inputs', 'observe', 'worktree', 'ensure.start', 'ensure'];
  return names
    .filter((n) => s.phases.has(n))
    .map((n) => `${n} ${median(s.phases.get(n)!).toFixed(1)}`)
    .join(', ');
};

function switchRows(f: SwitchFigures): BenchRow[] {
  const floorValue = median(f.floor);
  const floorRow = { name: 'docker pause A + docker unpause B', value: floorValue };
  const budget = (value: number): BenchRow['budget'] => ({ text: `≤ ${SWITCH_BUDGET_MS} ms`, met: value <= SWITCH_BUDGET_MS });
  const goal = (value: number): BenchRow['budget'] => ({ text: `≤ ${FLOOR_RATIO_GOAL}× floor`, met: value <= FLOOR_RATIO_GOAL * floorValue });
  const wall = median(f.now.wall);
  const node = median(f.nodeStart);
  const unpause = median(f.apiUnpause);
  const rows: BenchRow[] = [
    { name: 'switch A ⇄ B, boulder switch wall time', value: wall, p99: quantile(f.now.wall, 0.99), unit: 'ms', floor: floorRow, budget: goal(wall), note: `N=${f.now.wall.length}` },
  ];
  if (f.before !== undefined) {
    const old = median(f.before.wall);
    rows.push({
      name: 'switch A ⇄ B, wall time of the baseline build',
      value: old,
      p99: quantile(f.before.wall, 0.99),
      unit: 'ms',
      floor: floorRow,
      budget: goal(old),
      note: `interleaved; printed ${median(f.before.printed)} ms, lastSwitchMs ${Math.round(median(f.before.controller))} ms; ${phaseNote(f.before)}`,
    });
  }
  rows.push(
    {
      name: 'switch A ⇄ B, printed "in N ms"',
      value: median(f.now.printed),
      p99: quantile(f.now.printed, 0.99),
      unit: 'ms',
      floor: floorRow,
      budget: budget(median(f.now.printed)),
      note: `status.timings.lastSwitchMs ${Math.round(median(f.now.controller))} ms`,
    },
    {
      name: 'switch: spawn → switch written (CLI start, loading, the write)',
      value: median(f.now.toWrite),
      p99: quantile(f.now.toWrite, 0.99),
      unit: 'ms',
      floor: { name: 'node -e 0', value: node },
      ...(f.before === undefined ? {} : { note: `baseline ${median(f.before.toWrite).toFixed(1)} ms` }),
    },
    {
      name: 'switch: written → Ready stored (daemon)',
      value: median(f.now.toReady),
      p99: quantile(f.now.toReady, 0.99),
      unit: 'ms',
      floor: { name: 'Engine API unpause', value: unpause },
      note: `${phaseNote(f.now)}${f.before === undefined ? '' : `; baseline ${median(f.before.toReady).toFixed(1)} ms`}`,
    },
    {
      name: 'switch: Ready stored → CLI exit',
      value: median(f.now.toExit),
      p99: quantile(f.now.toExit, 0.99),
      unit: 'ms',
      ...(f.before === undefined ? {} : { note: `baseline ${median(f.before.toExit).toFixed(1)} ms` }),
    },
    { name: 'switch floor: node -e 0 (Node start + exit)', value: node, p99: quantile(f.nodeStart, 0.99), unit: 'ms' },
    {
      name: 'switch floor: docker CLI pause | unpause, each',
      value: median(f.cliUnpause),
      unit: 'ms',
      note: `pause ${median(f.cliPause).toFixed(1)} ms, unpause ${median(f.cliUnpause).toFixed(1)} ms`,
    },
    {
      name: 'switch floor: Engine API pause A then unpause B',
      value: median(f.apiSequential),
      p99: quantile(f.apiSequential, 0.99),
      unit: 'ms',
      note: `unpause alone ${unpause.toFixed(1)} ms; both at once ${median(f.apiParallel).toFixed(1)} ms`,
    },
    {
      name: 'switch: boulder\'s own (wall − node -e 0 − Engine API unpause)',
      value: wall - node - unpause,
      unit: 'ms',
      note: `CLI outside its printed figure (start, loading, exit): ${(wall - median(f.now.printed)).toFixed(0)} ms`,
    },
  );
  return rows;
}
