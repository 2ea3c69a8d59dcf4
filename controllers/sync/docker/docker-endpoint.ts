/**
 * An `Endpoint` on a directory inside a Docker container (the beta side of a workspace whose files
 * live in a volume). Everything goes through the Docker API, with nothing installed in the image:
 * - a long-lived shell agent (one exec) runs the scan and apply scripts (`shell-agent.ts`);
 * - file contents leave the container as a `tar -c` exec stream (batches of paths) and enter it
 *   as tar archives extracted into a temp directory inside the root (`stage-upload.ts`: one per
 *   batch, two extracted concurrently for large batches; a batch of a few KB is written by the
 *   script itself, `inline-stage.ts`), followed by the checked apply script (`apply-script.ts`,
 *   which links new files into place by directory);
 * - change hints come from a second long exec: `inotifywait -mr` when the image has it, else a
 *   `find -newer <stamp>` poll loop (default every 250 ms).
 * What the image needs: a POSIX `sh`, `find`, `stat -c`, `sha256sum`, `tar`, `readlink`, `cut`,
 * `ln`, `mv`, `sleep` with fractions (busybox has all of them; `inotifywait` is optional).
 * When the container restarts or is re-created the agent is started again on the next call; a
 * re-created container's empty root is caught by the engine's root-emptied halt.
 * The Docker API calls are behind an `ExecTransport` (docker-transport.ts): `createShellEndpoint`
 * runs the same endpoint over any other one (a Kubernetes Pod: ../kubernetes/pod-endpoint.ts).
 */
import { randomBytes } from 'node:crypto';
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
  isSyncTempName,
  SYNC_TEMP_PREFIX,
} from '../endpoint.ts';
import { applyScript, ownStats, RESULTS_END, stageDirsScript, stagingLayout, type OwnStat } from './apply-script.ts';
import { fitsInline, inlineScript } from './inline-stage.ts';
import { uploadStage } from './stage-upload.ts';
import { scanContainer, type ScanState } from './scan.ts';
import { ShellAgent, shellQuote } from './shell-agent.ts';
import { readTar } from './tar.ts';

/** Options of `createDockerEndpoint`. */
export interface DockerEndpointOptions {
  docker: Dockerode;
  /** Container name or id. */
  container: string;
  /** Absolute path of the sync root inside the container. */
  root: string;
  /** Poll interval of the fallback watcher (no inotifywait), ms. Default 250. */
  pollIntervalMs?: number;
}

/** A Docker endpoint. */
export interface DockerEndpoint extends Endpoint {
  /** Absolute root inside the container. */
  readonly root: string;
}

const READ_BATCH = 200;

/** Creates an endpoint on `root` inside `container` (see the module comment). */
export function createDockerEndpoint(options: DockerEndpointOptions): DockerEndpoint {
  return createShellEndpoint(dockerTransport(options.docker, options.container), options);
}

/** Options of `createShellEndpoint`. */
export interface ShellEndpointOptions {
  /** Absolute path of the sync root where the transport runs commands. */
  root: string;
  /** Poll interval of the fallback watcher (no inotifywait), ms. Default 250. */
  pollIntervalMs?: number;
}

/** An endpoint driven by a shell over an `ExecTransport` (what `createShellEndpoint` returns). */
export type ShellEndpoint = DockerEndpoint;

/** The endpoint of the module comment over any `transport` (Docker exec, Pod exec, …). */
export function createShellEndpoint(transport: ExecTransport, options: ShellEndpointOptions): ShellEndpoint {
  const { root } = options;
  const scratch = `/tmp/${SYNC_TEMP_PREFIX}agent-${randomBytes(4).toString('hex')}`;
  const state: ScanState = { digests: new Map(), previous: undefined, dirty: new Set() };
  const watchers = new Set<AbortController>();
  // Poll-watcher stat keys by absolute path; apply seeds the keys its own changes produced.
  const seen = new Map<string, string>();
  let agent: ShellAgent | undefined;
  let starting: Promise<ShellAgent> | undefined;

  const getAgent = async (): Promise<ShellAgent> => {
    if (agent?.alive === true) return agent;
    if (starting === undefined) {
      // A new agent means a new container process: forget the accelerated-scan basis.
      state.previous = undefined;
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
    scan: (request: ScanRequest): Promise<ScanResult> => scanContainer(root, request, state, run),
    readFiles: (files) => readContainerFiles(transport, root, files),
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
      let reply;
      try {
        if (fitsInline(ops)) {
          reply = await a.run(await inlineScript(staging, stage));
        } else {
          await a.check(stageDirsScript(stage, layout));
          await uploadStage(staging, (archive) => transport.upload(root, archive));
          reply = await a.run(`. ${shellQuote(`${stage}/apply.sh`)}`);
        }
        if (reply.exitCode !== 0) throw new Error(`applying changes in ${transport.name} failed: ${reply.stderr}`);
      } catch (err) {
        // A failed upload or apply (a full disk, a lost exec) must not leave its stage behind: it is
        // hidden from scans and would keep the space taken.
        await a.run(`rm -rf ${shellQuote(stage)}`).catch(() => undefined);
        throw err;
      }
      const output = reply.stdout.toString();
      const stats = ownStats(output);
      for (const [path, stat] of stats) if (path === root || path.startsWith(`${root}/`)) seen.set(path, stat.watchKey);
      const results = parseResults(output, ops);
      seedPlaced(state, root, ops, results, stats, mtime);
      return results;
    },
    watch: (signal) => {
      const controller = new AbortController();
      watchers.add(controller);
      return watchContainer(transport, root, scratch, options.pollIntervalMs ?? 250, seen, AbortSignal.any([signal, controller.signal]), () =>
        watchers.delete(controller),
      );
    },
    close() {
      for (const w of watchers) w.abort();
      watchers.clear();
      agent?.close();
      agent = undefined;
      return Promise.resolve();
    },
  };
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

/** Streams the requested files out of the container with `tar -c`, in batches. */
async function* readContainerFiles(transport: ExecTransport, root: string, files: readonly FileRequest[]): AsyncGenerator<FileContent> {
  for (let start = 0; start < files.length; start += READ_BATCH) {
    const batch = files.slice(start, start + READ_BATCH);
    const out = await transport.stream(['tar', '-C', root, '-cf', '-', '--no-recursion', ...batch.map((f) => `./${f.path}`)]);
    const entries = readTar(out as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
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
    out.destroy();
  }
}

/**
 * The watcher: inotifywait when present; else a poll that lists what changed since one second
 * before the previous round (find -newer has 1 s resolution) with nanosecond stat keys, so the
 * host can drop repeats. Records end with TAB // NEWLINE.
 */
const WATCH_SCRIPT = `
R="$1"; S="$2"; P="$3"
if command -v inotifywait >/dev/null 2>&1; then
  exec inotifywait -mrq -e modify,attrib,close_write,move,create,delete --format "$(printf '%%w%%f\\t//')" "$R"
fi
mkdir -p "$S"
touch -d "@$(( $(date +%s) - 1 ))" "$S/stamp"
while :; do
  sleep "$P"
  touch -d "@$(( $(date +%s) - 1 ))" "$S/stamp.new"
  if [ -d "$R" ]; then find "$R" -newer "$S/stamp" -exec stat -c "%y|%z|%s$(printf '\\t')%n$(printf '\\t')//" {} + 2>/dev/null; else printf '%s\\t//\\n' "$R"; fi
  mv -f "$S/stamp.new" "$S/stamp"
done
`;

/** Hints from inside the container; restarts the watcher (after a full-rescan hint) when it ends. */
async function* watchContainer(
  transport: ExecTransport,
  root: string,
  scratch: string,
  pollMs: number,
  seen: Map<string, string>,
  signal: AbortSignal,
  done: () => void,
): AsyncGenerator<ChangeHint> {
  try {
    while (!signal.aborted) {
      try {
        const out = await transport.stream(['sh', '-c', WATCH_SCRIPT, 'nexus-sync-watch', root, `${scratch}-watch`, String(pollMs / 1000)], signal);
        let rest = '';
        for await (const chunk of out as AsyncIterable<Buffer>) {
          rest += chunk.toString();
          const records = rest.split('\t//\n');
          rest = records.pop() ?? '';
          for (const record of records) {
            const tab = record.indexOf('\t');
            const key = tab < 0 ? undefined : record.slice(0, tab);
            const path = tab < 0 ? record : record.slice(tab + 1);
            if (key !== undefined) {
              if (seen.get(path) === key) continue;
              if (seen.size > 20_000) seen.clear();
              seen.set(path, key);
            }
            const hint = toHint(root, path);
            if (hint !== undefined) yield hint;
          }
        }
      } catch {
        // The exec failed or the container went away: fall through to a full-rescan hint.
      }
      if (signal.aborted) return;
      yield {};
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  } finally {
    done();
  }
}

function toHint(root: string, line: string): ChangeHint | undefined {
  if (line === '') return undefined;
  const trimmed = line.replace(/\/$/, '');
  if (trimmed === root) return { path: '' };
  if (!trimmed.startsWith(`${root}/`)) return undefined;
  const path = trimmed.slice(root.length + 1);
  if (path.split('/').some((s) => s.startsWith(SYNC_TEMP_PREFIX)) || isSyncTempName(path)) return undefined;
  return { path };
}
