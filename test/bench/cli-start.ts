/**
 * The CLI's own start (issue 19, apply → Ready): how long `boulder apply -f ws.yaml` takes from its
 * spawn until its object is in the store, and the walls of `boulder get ws NAME`,
 * `boulder exec NAME -- true` (up to loading the Docker provider: the workspace has no container,
 * so exec refuses) and `boulder version`, against the floor of the same run: `node -e 0` (Node's
 * own start and exit).
 * Docker-free: the apply runs with `--no-daemon` against a temp state dir, which is the same path
 * as `apply --wait` up to the write. The bench watches the embedded store and takes the moment it
 * sees the object ADDED.
 *
 * The same apply with a daemon running for the state dir (a `backend: mock` workspace: no Docker)
 * is measured too: the CLI then sends the manifests to the daemon (control op `apply`), which
 * validates and writes them.
 *
 * `BOULDER_BENCH_BASELINE=/path/to/other/bin/boulder.js` measures a second build (e.g. the commit
 * before a change, built in a scratch checkout) interleaved with this one, for a before/after in
 * the same run.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STORE_FILE } from '../../apis/config/state-dir.ts';
import { openEmbeddedStore, type EmbeddedStore } from '../../apis/store/embedded-store.ts';
import type { Workspace } from '../../apis/types/index.ts';
import { median, quantile, type BenchRow } from './stats.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'boulder.js');

/** Measured runs of each command (after one unmeasured warm-up, which also fills the compile cache). */
const RUNS = 9;

/** Samples of one build of the CLI. */
interface CliSamples {
  applyToStored: number[];
  applyWall: number[];
  /** The same apply with a daemon running (the build's own). */
  daemonApplyToStored: number[];
  daemonApplyWall: number[];
  get: number[];
  exec: number[];
  version: number[];
}

/** Spawns `node ...args` and resolves to the ms from spawn to exit; rejects on an exit code other than `expectedCode`. */
function runNode(args: readonly string[], expectedCode = 0): Promise<{ spawnedAt: number; exitedAt: number }> {
  const spawnedAt = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const exitedAt = performance.now();
      if (code === expectedCode) resolve({ spawnedAt, exitedAt });
      else reject(new Error(`node ${args.join(' ')} exited with ${code}: ${stderr}`));
    });
  });
}

/** Starts watching now; `added` resolves to the moment the store shows workspace `name` ADDED. */
async function watchAdded(store: EmbeddedStore, name: string, signal: AbortSignal): Promise<{ added: Promise<number> }> {
  const { resourceVersion } = await store.list<Workspace>('Workspace', { namespace: 'default' });
  const added = (async () => {
    for await (const event of store.watch<Workspace>('Workspace', { namespace: 'default', resourceVersion, signal })) {
      if (event.type === 'ADDED' && event.object.metadata.name === name) return performance.now();
    }
    throw new Error(`the store never showed ${name} ADDED`);
  })();
  added.catch(() => undefined);
  return { added };
}

/** One apply of a new workspace, one get of it, one version; pushes the samples into `into`. */
async function measureOnce(bin: string, root: string, store: EmbeddedStore, name: string, into: CliSamples | undefined): Promise<void> {
  const stateDir = join(root, 'state');
  const file = join(root, `${name}.yaml`);
  writeFileSync(file, `apiVersion: nexus.dev/v1alpha1\nkind: Workspace\nmetadata:\n  name: ${name}\nspec:\n  backend: docker\n  image: busybox:latest\n`);
  const abort = new AbortController();
  const { added } = await watchAdded(store, name, abort.signal);
  const timer = setTimeout(() => abort.abort(), 10_000);
  try {
    const applied = await runNode([bin, '--state-dir', stateDir, 'apply', '-f', file, '--no-daemon']);
    const storedAt = await added;
    const got = await runNode([bin, '--state-dir', stateDir, 'get', 'ws', name]);
    // The workspace has no container (no daemon runs): exec loads the Docker provider, then refuses (126).
    const exec = await runNode([bin, '--state-dir', stateDir, 'exec', name, '--', 'true'], 126);
    const version = await runNode([bin, 'version']);
    if (into === undefined) return;
    into.applyToStored.push(storedAt - applied.spawnedAt);
    into.applyWall.push(applied.exitedAt - applied.spawnedAt);
    into.get.push(got.exitedAt - got.spawnedAt);
    into.exec.push(exec.exitedAt - exec.spawnedAt);
    into.version.push(version.exitedAt - version.spawnedAt);
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}

/** A build's daemon for the daemon-path rows: its own state dir, whose store the bench watches. */
interface BenchDaemon {
  stateDir: string;
  store: EmbeddedStore;
  stop(): Promise<void>;
}

/** Starts `bin daemon` for a new state dir under `root` and waits until it answers. */
async function startBenchDaemon(bin: string, root: string, label: string): Promise<BenchDaemon> {
  const stateDir = join(root, `daemon-${label}`);
  const child = spawn(process.execPath, [bin, '--state-dir', stateDir, 'daemon'], { stdio: ['ignore', 'ignore', 'ignore'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null) return;
    await runNode([bin, '--state-dir', stateDir, 'daemon', 'stop', '--timeout', '10s']).catch(() => undefined);
    if (child.exitCode === null) child.kill('SIGKILL');
    await exited;
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (await runNode([bin, '--state-dir', stateDir, 'daemon', 'status']).then(() => true, () => false)) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`the ${label} daemon did not start`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { stateDir, store: await openEmbeddedStore({ path: join(stateDir, STORE_FILE) }), stop };
}

/** One apply of a new mock workspace with the build's daemon running. */
async function measureDaemonApply(bin: string, root: string, daemon: BenchDaemon, name: string, into: CliSamples | undefined): Promise<void> {
  const file = join(root, `${name}.yaml`);
  writeFileSync(file, `apiVersion: nexus.dev/v1alpha1\nkind: Workspace\nmetadata:\n  name: ${name}\nspec:\n  backend: mock\n  image: busybox:latest\n`);
  const abort = new AbortController();
  const { added } = await watchAdded(daemon.store, name, abort.signal);
  const timer = setTimeout(() => abort.abort(), 10_000);
  try {
    const applied = await runNode([bin, '--state-dir', daemon.stateDir, 'apply', '-f', file]);
    const storedAt = await added;
    into?.daemonApplyToStored.push(storedAt - applied.spawnedAt);
    into?.daemonApplyWall.push(applied.exitedAt - applied.spawnedAt);
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}

async function floorOnce(into: number[] | undefined): Promise<void> {
  const { spawnedAt, exitedAt } = await runNode(['-e', '0']);
  into?.push(exitedAt - spawnedAt);
}

function rowsOf(label: string, s: CliSamples, floor: number): BenchRow[] {
  const row = (name: string, values: number[], note: string): BenchRow => ({
    name: `${label}${name}`, value: median(values), p99: quantile(values, 0.99), unit: 'ms', floor: { name: 'node -e 0', value: floor }, note: `${note}, N=${values.length}`,
  });
  return [
    row('CLI start → object stored (apply -f ws.yaml)', s.applyToStored, 'spawn → ADDED seen by a store watch'),
    row('apply -f ws.yaml --no-daemon (wall)', s.applyWall, 'spawn → exit'),
    row('CLI start → object stored, daemon running (apply -f ws.yaml)', s.daemonApplyToStored, 'spawn → ADDED seen by a store watch; mock backend'),
    row('apply -f ws.yaml, daemon running (wall)', s.daemonApplyWall, 'spawn → exit; mock backend'),
    row('get ws NAME (wall)', s.get, 'spawn → exit'),
    row('exec NAME -- true, up to the Docker provider (wall)', s.exec, 'spawn → exit; refused: no container'),
    row('version (wall)', s.version, 'spawn → exit'),
  ];
}

/** Runs the CLI start benchmark (and the baseline build's, when BOULDER_BENCH_BASELINE names one). */
export async function benchCliStart(): Promise<BenchRow[]> {
  const builds: { label: string; bin: string }[] = [{ label: '', bin: BIN }];
  const baseline = process.env['BOULDER_BENCH_BASELINE'];
  if (baseline !== undefined && baseline !== '') builds.push({ label: 'baseline: ', bin: baseline });
  const root = mkdtempSync(join(tmpdir(), 'boulder-bench-cli-'));
  const floor: number[] = [];
  const samples = builds.map((): CliSamples => ({ applyToStored: [], applyWall: [], daemonApplyToStored: [], daemonApplyWall: [], get: [], exec: [], version: [] }));
  let store: EmbeddedStore | undefined;
  const daemons: BenchDaemon[] = [];
  try {
    for (const [b, build] of builds.entries()) daemons.push(await startBenchDaemon(build.bin, root, String(b)));
    // The first apply creates the state dir and its store; the bench then watches that store.
    await runNode([BIN, '--state-dir', join(root, 'state'), 'apply', '-f', writeSeed(root), '--no-daemon']);
    store = await openEmbeddedStore({ path: join(root, 'state', STORE_FILE) });
    for (let i = -1; i < RUNS; i += 1) {
      await floorOnce(i < 0 ? undefined : floor);
      for (const [b, build] of builds.entries()) {
        await measureOnce(build.bin, root, store, `cli-${b}-${i + 1}`, i < 0 ? undefined : samples[b]);
        await measureDaemonApply(build.bin, root, daemons[b]!, `cli-d-${b}-${i + 1}`, i < 0 ? undefined : samples[b]);
      }
    }
  } finally {
    await store?.close();
    for (const daemon of daemons) {
      await daemon.store.close();
      await daemon.stop();
    }
    rmSync(root, { recursive: true, force: true });
  }
  const floorMedian = median(floor);
  return [
    { name: 'node -e 0 (floor of the CLI rows)', value: floorMedian, p99: quantile(floor, 0.99), unit: 'ms', note: `spawn → exit, N=${floor.length}` },
    ...builds.flatMap((build, b) => rowsOf(build.label, samples[b]!, floorMedian)),
  ];
}

function writeSeed(root: string): string {
  const file = join(root, 'seed.yaml');
  writeFileSync(file, 'apiVersion: nexus.dev/v1alpha1\nkind: Workspace\nmetadata:\n  name: seed\nspec:\n  backend: docker\n  image: busybox:latest\n');
  return file;
}
