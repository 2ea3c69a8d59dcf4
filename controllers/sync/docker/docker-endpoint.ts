/**
 * An `Endpoint` on a directory inside a Docker container (the beta side of a workspace whose files
 * live in a volume). Everything goes through the Docker API, with nothing installed in the image:
 * - a long-lived shell agent (one exec) runs the scan and apply scripts (`shell-agent.ts`);
 * - file contents leave the container as a `tar -c` exec stream (batches of paths) and enter it
 *   as tar archives extracted into a temp directory inside the root (`stage-upload.ts`: one per
 *   batch, two extracted concurrently for large batches; a batch of a few KB is written by the
 *   script itself, `inline-stage.ts`), followed by the checked apply script (`apply-script.ts`,
 *   which links new files into place by directory);
 * - change hints: from the host's inotify when the root is a local volume or bind mount of a local
 *   engine (`host-watch.ts`), else from a second long exec (`container-watch.ts`): `inotifywait -mr`
 *   when the image has it, else an adaptive `find -newer <stamp>` poll (250 ms after a change,
 *   backing off to 8 s while idle). The watcher ends with the session and with the daemon.
 * What the image needs: a POSIX `sh`, `find`, `stat -c`, `sha256sum`, `tar`, `readlink`, `cut`,
 * `ln`, `mv`, `sleep` with fractions (busybox has all of them; `inotifywait` is optional).
 * When the container restarts or is re-created the agent is started again on the next call; a
 * re-created container's empty root is caught by the engine's root-emptied halt.
 * The Docker API calls are behind an `ExecTransport` (docker-transport.ts): `createShellEndpoint`
 * runs the same endpoint over any other one (a Kubernetes Pod: ../kubernetes/pod-endpoint.ts).
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import type { ExecTransport } from '../transport.ts';
import { dockerTransport } from './docker-transport.ts';
import {
  type ChangeHint,
  type Entry,
  type Endpoint,
  type FileContent,
  type FileRequest,
  type Operation,
  type OperationResult,
  type ScanRequest,
  type ScanResult,
  SYNC_TEMP_PREFIX,
} from '../endpoint.ts';
import { applyScript, ownStats, RESULTS_END, stageDirsScript, stagingLayout, type OwnStat } from './apply-script.ts';
import { fitsInline, inlineScript } from './inline-stage.ts';
import { uploadStage, type StageUpload } from './stage-upload.ts';
import { servePrefetched, type Prefetched } from './prefetch.ts';
import { scanContainer, type ScanState } from './scan.ts';
import { agentRequestFile, ShellAgent, shellQuote } from './shell-agent.ts';
import { readTar } from './tar.ts';
import { reap, watchInContainer, type ContainerWatchOptions } from './container-watch.ts';
import { resolveHostRoot, watchFromHost } from './host-watch.ts';

/** Options of `createDockerEndpoint`. */
export interface DockerEndpointOptions {
  docker: Dockerode;
  /** Container name or id. */
  container: string;
  /** Absolute path of the sync root inside the container. */
  root: string;
  /** Poll interval of the fallback watcher (no inotifywait), ms. Default 250. */
  pollIntervalMs?: number;
  /** Slowest poll interval of the fallback watcher while idle, ms. Default 8000. */
  pollMaxIntervalMs?: number;
  /** Watch a local volume's / bind mount's directory from the host when possible. Default true. */
  hostWatch?: boolean;
}

/** A Docker endpoint. */
export interface DockerEndpoint extends Endpoint {
  /** Absolute root inside the container. */
  readonly root: string;
}

const READ_BATCH = 200;

/** Creates an endpoint on `root` inside `container` (see the module comment). */
export function createDockerEndpoint(options: DockerEndpointOptions): DockerEndpoint {
  const { docker, container, root } = options;
  const hostRoot = options.hostWatch === false ? undefined : (run: (script: string) => Promise<string>) => resolveHostRoot(docker, container, root, run);
  return createShellEndpoint(dockerTransport(docker, container), { ...options, ...(hostRoot !== undefined ? { hostRoot } : {}) });
}

/** Options of `createShellEndpoint`. */
export interface ShellEndpointOptions {
  /** Absolute path of the sync root where the transport runs commands. */
  root: string;
  /** Poll interval of the fallback watcher (no inotifywait), ms. Default 250. */
  pollIntervalMs?: number;
  /** Slowest poll interval of the fallback watcher while idle, ms. Default 8000. */
  pollMaxIntervalMs?: number;
  /**
   * The host directory that is the root, if the host can watch it (resolved when a watch starts;
   * `run` runs a script through the agent); undefined or a rejected/undefined answer: watch in
   * the container.
   */
  hostRoot?: (run: (script: string) => Promise<string>) => Promise<string | undefined>;
}

/** An endpoint driven by a shell over an `ExecTransport` (what `createShellEndpoint` returns). */
export type ShellEndpoint = DockerEndpoint;

/** The endpoint of the module comment over any `transport` (Docker exec, Pod exec, …). */
export function createShellEndpoint(transport: ExecTransport, options: ShellEndpointOptions): ShellEndpoint {
  const { root } = options;
  const scratch = `/tmp/${SYNC_TEMP_PREFIX}agent-${randomBytes(4).toString('hex')}`;
  const state: ScanState = { digests: new Map(), previous: undefined, dirty: new Set(), prefetched: new Map() };
  const watchers = new Set<AbortController>();
  // Host-side watches, stopped when the container process changes (its mounts may have too).
  const hostWatches = new Set<AbortController>();
  let agentStarts = 0;
  // Poll-watcher stat keys by absolute path; apply seeds the keys its own changes produced.
  const seen = new Map<string, string>();
  let agent: ShellAgent | undefined;
  let starting: Promise<ShellAgent> | undefined;

  const getAgent = async (): Promise<ShellAgent> => {
    if (agent?.alive === true) return agent;
    if (starting === undefined) {
      // A new agent means a new container process: forget the accelerated-scan basis.
      state.previous = undefined;
      if (agentStarts++ > 0) for (const h of hostWatches) h.abort();
      starting = ShellAgent.startOn(transport, scratch).finally(() => (starting = undefined));
    }
    agent = await starting;
    return agent;
  };

  const run = async (script: string): Promise<string> => {
    const a = await getAgent();
    return (await a.check(script)).toString();
  };

  return {
    name: `${transport.name}:${root}`,
    root,
    scan: async (request: ScanRequest): Promise<ScanResult> => scanContainer(root, request, state, async (script) => (await getAgent()).check(script), agentRequestFile(scratch)),
    readFiles: (files) => readContainerFiles(transport, root, files, getAgent, state.prefetched),
    async apply(ops, contents) {
      const a = await getAgent();
      for (const op of ops) state.dirty.add(op.path);
      if (ops.some((op) => op.op === 'mkdir' && op.path === '')) await a.check(`mkdir -p ${shellQuote(root)}`);
      const stageName = `${SYNC_TEMP_PREFIX}stage-${randomBytes(6).toString('hex')}`;
      const stage = `${root}/${stageName}`;
      const layout = stagingLayout(ops);
      // Staged files get this whole-second mtime: a later write cannot reproduce it (see seedPlaced).
      const mtime = Math.floor(Date.now() / 1000);
      const staging = { stageName, ops, layout, mtime, contents, script: (mismatched: ReadonlySet<number>) => applyScript(root, stage, ops, layout, mismatched) };
      const rootExists = (await a.run(`[ -d ${shellQuote(root)} ]`)).exitCode === 0;
      if (!rootExists) {
        // Still consume one content item per stream write (the Endpoint contract).
        await uploadStage(staging, undefined);
        return ops.map(() => ({ status: 'changed', message: 'sync root missing' }));
      }
      const output = await runStaged(a, transport, root, stage, staging);
      const stats = ownStats(output);
      for (const [path, stat] of stats) if (path === root || path.startsWith(`${root}/`)) seen.set(path, stat.watchKey);
      const results = parseResults(output, ops);
      seedPlaced(state, root, ops, results, stats, mtime);
      return results;
    },
    watch: (signal) => {
      const controller = new AbortController();
      watchers.add(controller);
      const stop = AbortSignal.any([signal, controller.signal]);
      const inContainer = { transport, root, scratch: `${scratch}-watch`, pollMs: options.pollIntervalMs ?? 250, pollMaxMs: options.pollMaxIntervalMs ?? 8000, seen };
      return watchEndpoint(inContainer, stop, options.hostRoot && (() => options.hostRoot!(run)), hostWatches, () => watchers.delete(controller));
    },
    async close() {
      for (const w of watchers) w.abort();
      watchers.clear();
      const started = agent !== undefined || starting !== undefined || agentStarts > 0;
      agent?.close();
      agent = undefined;
      // Nothing this endpoint started may outlive it, even where the end of an exec's input was
      // not delivered: its agent and watchers are ended by their command lines.
      if (started) await reap(transport, scratch).catch(() => undefined);
    },
  };
}

/**
 * Runs a batch's staged apply in the container and returns its output: inline for a small batch,
 * else after uploading the stage. A failed upload or apply (a full disk, a lost exec) must not leave
 * its stage behind: it is hidden from scans and would keep the space taken.
 */
async function runStaged(a: ShellAgent, transport: ExecTransport, root: string, stage: string, staging: StageUpload): Promise<string> {
  let reply;
  try {
    if (fitsInline(staging.ops)) {
      reply = await a.run(await inlineScript(staging, stage));
    } else {
      await a.check(stageDirsScript(stage, staging.layout));
      await uploadStage(staging, (archive) => transport.upload(root, archive));
      reply = await a.run(`. ${shellQuote(`${stage}/apply.sh`)}`);
    }
    if (reply.exitCode !== 0) throw new Error(`applying changes in ${transport.name} failed: ${reply.stderr}`);
  } catch (err) {
    await a.run(`rm -rf ${shellQuote(stage)}`).catch(() => undefined);
    throw err;
  }
  return reply.stdout.toString();
}

/**
 * Remembers the digests of the files this batch placed from the stream, so the next scan does not
 * hash them again inside the container. Only when the state taken after the batch (stage removed,
 * so the ctime no longer moves) still shows the size and the exact whole-second mtime of the tar
 * header: any later write sets a different mtime (and ctime), which changes the key. Such keys are
 * trusted although fresh (`placed`): the racy rule guards against writes keeping the mtime, which
 * these cannot.
 */
function seedPlaced(
  state: ScanState,
  root: string,
  ops: readonly Operation[],
  results: readonly OperationResult[],
  stats: ReadonlyMap<string, OwnStat>,
  mtime: number,
): void {
  ops.forEach((op, i) => {
    if (op.op !== 'write' || op.source !== 'stream' || results[i]?.status !== 'ok') return;
    const stat = stats.get(`${root}/${op.path}`);
    if (stat === undefined || stat.size !== op.size || stat.mtimeSeconds !== mtime || !stat.wholeSecond) return;
    state.digests.set(op.path, { key: stat.scanKey, digest: op.digest, placed: true });
  });
}

/**
 * The results of an apply script: lines `<index>\t<status>[\t<message>]` before RESULTS_END (a
 * script without the line reports nothing), the first line of each index wins.
 */
export function parseResults(output: string, ops: readonly Operation[]): OperationResult[] {
  const results: OperationResult[] = ops.map(() => ({ status: 'failed', message: 'no result from the container' }));
  const end = output.indexOf(`${RESULTS_END}\n`);
  const seen = new Set<number>();
  for (const row of (end < 0 ? '' : output.slice(0, end)).split('\n')) {
    if (!/^\d+\t(ok|changed|source-changed|failed)(\t|$)/.test(row)) continue;
    const [index, status, ...rest] = row.split('\t');
    const i = Number(index);
    const op = ops[i];
    if (op === undefined || status === undefined || seen.has(i)) continue;
    seen.add(i);
    const message = rest.join('\t');
    if (status === 'ok') results[i] = { status: 'ok', ...entryAfter(op) };
    else if (status === 'changed' || status === 'source-changed' || status === 'failed') results[i] = { status, message };
  }
  return results;
}

function entryAfter(op: Operation): { entry?: Entry } {
  switch (op.op) {
    case 'write':
      return { entry: { kind: 'file', digest: op.digest, size: op.size, executable: op.executable } };
    case 'mkdir':
      return { entry: { kind: 'directory' } };
    case 'symlink':
      return { entry: { kind: 'symlink', target: op.target } };
    case 'chmod':
      return { entry: { ...op.expected, executable: op.executable } };
    case 'remove':
      return {};
  }
}

/** A read batch at most this large (by scanned sizes) goes through the agent, not a new exec. */
const SMALL_READ_BYTES = 256 * 1024;
/** … and at most this many files. */
const SMALL_READ_FILES = 64;

/**
 * Streams the requested files out of the container with `tar -c`, in batches. A small batch (a
 * few files of a few KB: an edit) runs `tar -c` through the shell agent instead of a new exec —
 * a new exec costs 30–50 ms, the agent ~1 ms — its output capped at the expected size plus the
 * tar overhead (a file that grew since the scan is cut short, so the batch is refused as
 * `source-changed` by the writer's digest check and retried).
 */
async function* readContainerFiles(
  transport: ExecTransport,
  root: string,
  files: readonly FileRequest[],
  agent?: () => Promise<ShellAgent>,
  prefetched: Prefetched = new Map(),
): AsyncGenerator<FileContent> {
  // Files the scan already brought along (an edit): no round trip (prefetch.ts).
  const cached = servePrefetched(files, prefetched);
  if (cached !== undefined) {
    yield* cached;
    return;
  }
  const total = files.reduce((n, f) => n + f.expected.size, 0);
  if (agent !== undefined && files.length > 0 && files.length <= SMALL_READ_FILES && total <= SMALL_READ_BYTES) {
    const cap = total + 1024 * (files.length * 2 + 4);
    const paths = files.map((f) => shellQuote(`./${f.path}`)).join(' ');
    const reply = await (await agent()).run(`cd ${shellQuote(root)} || exit 3\ntar -cf - --no-recursion ${paths} 2>/dev/null | head -c ${cap}\ntrue`);
    if (reply.exitCode === 0) {
      yield* matchTar(files, readTar(Readable.from([reply.stdout])));
      return;
    }
  }
  for (let start = 0; start < files.length; start += READ_BATCH) {
    const batch = files.slice(start, start + READ_BATCH);
    const out = await transport.stream(['tar', '-C', root, '-cf', '-', '--no-recursion', ...batch.map((f) => `./${f.path}`)]);
    yield* matchTar(batch, readTar(out as AsyncIterable<Buffer>));
    out.destroy();
  }
}

/** Pairs the requested files with the tar's entries, in order (a missing or non-file entry: null). */
async function* matchTar(batch: readonly FileRequest[], tar: AsyncIterable<{ name: string; type: string; data: FileContent['data'] }>): AsyncGenerator<FileContent> {
  const entries = tar[Symbol.asyncIterator]();
  let pending = await entries.next();
  for (const file of batch) {
    if (pending.done !== true && pending.value.name === file.path) {
      const entry = pending.value;
      if (entry.type === '0') yield { path: file.path, expected: file.expected, data: entry.data };
      else yield { path: file.path, expected: file.expected, data: null };
      pending = await entries.next();
    } else {
      yield { path: file.path, expected: file.expected, data: null };
    }
  }
}

/**
 * One watch: from the host when `hostRoot` resolves to a directory (until the container process
 * changes: the stream then ends and the engine starts a new watch, resolved again), else inside the
 * container.
 */
async function* watchEndpoint(
  inContainer: ContainerWatchOptions,
  signal: AbortSignal,
  hostRoot: (() => Promise<string | undefined>) | undefined,
  hostWatches: Set<AbortController>,
  done: () => void,
): AsyncGenerator<ChangeHint> {
  try {
    const host = hostRoot === undefined ? undefined : await hostRoot().catch(() => undefined);
    if (host === undefined) {
      yield* watchInContainer(inContainer, signal);
      return;
    }
    const restart = new AbortController();
    hostWatches.add(restart);
    try {
      yield* watchFromHost(host, AbortSignal.any([signal, restart.signal]));
    } finally {
      hostWatches.delete(restart);
    }
  } finally {
    done();
  }
}
