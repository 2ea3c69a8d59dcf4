/**
 * Change hints from inside the container (the shell endpoint's watcher when the host cannot watch
 * the files itself, host-watch.ts): `inotifywait -mr` when the image has it, else an adaptive
 * `find -newer` poll — every `pollMs` right after a change, doubling while nothing changes up to
 * `pollMaxMs` (the idle cost of a 20 000-file tree falls from ~25 % of a core at 250 ms to < 1 %).
 *
 * The watcher lives exactly as long as its session: it runs as one exec **with stdin attached**
 * under a guard that kills it on an in-band `stop` line or at the end of its input — which the
 * engine delivers when the client's connection closes, so a stopped or killed daemon ends it too —
 * and the poll loop also exits once the guard is gone (parent-death check) and kills its own
 * `sleep` when stopped. Nothing boulder started outlives the session in a long-lived container.
 */
import type { ExecTransport, ShellProcess } from '../transport.ts';
import { isSyncTempName, SYNC_TEMP_PREFIX, type ChangeHint } from '../endpoint.ts';

/** The argv0 of the watcher's shell (what `ps` shows; tests look for it). */
export const WATCH_PROCESS_NAME = 'nexus-sync-watch';

/** The line that stops the watcher. */
const STOP_LINE = 'stop\n';

/** How long a stopped watcher may take before its connection is dropped (in-band stop first). */
const STOP_GRACE_MS = 500;

/**
 * $1 root, $2 scratch dir, $3 fast poll interval (ms), $4 slowest poll interval (ms). Records end
 * with TAB // NEWLINE; a poll record is `<stat key> TAB <path>` so the host can drop repeats (the
 * stamp has 1 s resolution, so a change is listed for a round or two after it happened).
 */
export const WATCH_SCRIPT = `
R="$1"; S="$2"; F="$3"; X="$4"; W=$$
poll() {
  sp=
  trap '[ -n "$sp" ] && kill "$sp" 2>/dev/null; exit 0' TERM
  mkdir -p "$S" || exit 1
  touch -d "@$(( $(date +%s) - 1 ))" "$S/stamp"
  i=$F
  while kill -0 "$W" 2>/dev/null; do
    sleep "$(( i / 1000 )).$(printf %03d $(( i % 1000 )))" & sp=$!
    wait "$sp"; sp=
    touch -d "@$(( $(date +%s) - 1 ))" "$S/stamp.new"
    if [ -d "$R" ]; then
      find "$R" -newer "$S/stamp" -exec stat -c "%y|%z|%s$(printf '\\t')%n$(printf '\\t')//" {} + >"$S/out" 2>/dev/null
    else printf '%s\\t//\\n' "$R" >"$S/out"; fi
    if [ -s "$S/out" ]; then cat "$S/out"; i=$F; else i=$(( i * 2 )); [ "$i" -gt "$X" ] && i=$X; fi
    mv -f "$S/stamp.new" "$S/stamp"
  done
}
exec 3<&0
if command -v inotifywait >/dev/null 2>&1; then
  inotifywait -mrq -e modify,attrib,close_write,move,create,delete --format "$(printf '%%w%%f\\t//')" "$R" </dev/null &
else
  poll </dev/null &
fi
c=$!
( while IFS= read -r l; do [ "$l" = stop ] && break; done; kill "$c" 2>/dev/null ) <&3 &
r=$!
exec 3<&-
wait "$c"; rc=$?
kill "$r" 2>/dev/null
rm -rf "$S"
exit "$rc"
`;

/** Where and how the container-side watcher runs. */
export interface ContainerWatchOptions {
  transport: ExecTransport;
  /** Absolute sync root in the container. */
  root: string;
  /** Scratch directory of the poll loop (outside the root; removed when the watcher ends). */
  scratch: string;
  /** Poll interval right after a change, ms. */
  pollMs: number;
  /** Slowest poll interval while idle, ms. */
  pollMaxMs: number;
  /** Poll-record stat keys by absolute path (shared with apply, which seeds its own changes). */
  seen: Map<string, string>;
}

/**
 * Hints from inside the container until the watcher ends (the exec failed or ended, the container
 * went away) or `signal` aborts. The engine restarts an ended stream after a full-rescan hint, and
 * the endpoint then decides again where to watch from (host or container).
 */
export async function* watchInContainer(options: ContainerWatchOptions, signal: AbortSignal): AsyncGenerator<ChangeHint> {
  const { transport, root, scratch, pollMs, pollMaxMs, seen } = options;
  if (signal.aborted) return;
  let shell: ShellProcess | undefined;
  const stop = (): void => stopWatcher(shell);
  signal.addEventListener('abort', stop, { once: true });
  try {
    shell = await transport.shell(['sh', '-c', WATCH_SCRIPT, WATCH_PROCESS_NAME, root, scratch, String(Math.round(pollMs)), String(Math.round(Math.max(pollMs, pollMaxMs)))]);
    if (signal.aborted) stop();
    const out = shell.stdout;
    // The stream ends when the process does (some transports only report it through onEnd).
    shell.onEnd(() => setImmediate(() => out.destroy()));
    let rest = '';
    for await (const chunk of out as AsyncIterable<Buffer>) {
      rest += chunk.toString();
      const records = rest.split('\t//\n');
      rest = records.pop() ?? '';
      for (const record of records) {
        const hint = parseRecord(root, record, seen);
        if (hint !== undefined) yield hint;
      }
    }
  } catch {
    // The exec failed, ended or the container went away: the engine rescans and restarts.
  } finally {
    signal.removeEventListener('abort', stop);
    stop();
    // The input of an exec is not always delivered (seen on Docker 20.10 about once in 30
    // stops): whatever of this watcher still runs is ended by its command line.
    void reap(transport, scratch).catch(() => undefined);
  }
}

/**
 * Ends every process whose command line contains $1$2 (passed in two halves so that this
 * script's own command line never matches) and their direct children (`inotifywait`, `sleep`,
 * `find`): `/proc` and `tr` only. Children are found through `PPid:` in /proc/<pid>/status.
 * Then removes the scratch directories `$1$2` and `$1$2-watch` (links are removed, not followed).
 */
export const REAP_SCRIPT = `
P="$1$2"; m=" "
for d in /proc/[0-9]*; do
  c=$(tr '\\0' ' ' < "$d/cmdline" 2>/dev/null) || continue
  case "$c" in *"$P"*) m="$m\${d#/proc/} ";; esac
done
[ "$m" = " " ] && { rm -rf "$P" "$P-watch"; exit 0; }
for d in /proc/[0-9]*; do
  pp=; while read -r k v; do [ "$k" = PPid: ] && { pp=$v; break; }; done < "$d/status" 2>/dev/null
  case "$m" in *" $pp "*) m="$m\${d#/proc/} ";; esac
done
kill $m 2>/dev/null
sleep 0.1; rm -rf "$P" "$P-watch"; true
`;

/** How long a reap may take before it is given up (a stopped or paused container). */
const REAP_TIMEOUT_MS = 5000;

/**
 * Ends what is left in the container of the processes started with `marker` in their command
 * line (an endpoint's scratch path: its agent and watchers). Resolves when done or given up.
 */
export async function reap(transport: ExecTransport, marker: string): Promise<void> {
  const half = Math.floor(marker.length / 2);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), REAP_TIMEOUT_MS);
  try {
    const out = await transport.stream(['sh', '-c', REAP_SCRIPT, 'nexus-sync-reap', marker.slice(0, half), marker.slice(half)], abort.signal);
    for await (const _ of out as AsyncIterable<Buffer>) void _;
  } finally {
    clearTimeout(timer);
  }
}

const stopped = new WeakSet<ShellProcess>();

/** In-band stop (works where the end of stdin is never delivered), then the end of input. */
function stopWatcher(shell: ShellProcess | undefined): void {
  if (shell === undefined || stopped.has(shell)) return;
  stopped.add(shell);
  if (shell.stdin.writable) shell.stdin.write(STOP_LINE, () => undefined);
  setTimeout(() => shell.close(), STOP_GRACE_MS).unref();
}

/** One record → a hint (undefined: outside the root, a temp name, or a repeat of a known key). */
function parseRecord(root: string, record: string, seen: Map<string, string>): ChangeHint | undefined {
  const tab = record.indexOf('\t');
  const key = tab < 0 ? undefined : record.slice(0, tab);
  const path = tab < 0 ? record : record.slice(tab + 1);
  if (key !== undefined) {
    if (seen.get(path) === key) return undefined;
    if (seen.size > 20_000) seen.clear();
    seen.set(path, key);
  }
  return toHint(root, path);
}

/** An absolute container path → a hint relative to `root` (undefined when outside or a temp name). */
export function toHint(root: string, line: string): ChangeHint | undefined {
  if (line === '') return undefined;
  const trimmed = line.replace(/\/$/, '');
  if (trimmed === root) return { path: '' };
  if (!trimmed.startsWith(`${root}/`)) return undefined;
  return relativeHint(trimmed.slice(root.length + 1));
}

/** A root-relative path → a hint (undefined for the endpoints' own temp names at any depth). */
export function relativeHint(path: string): ChangeHint | undefined {
  if (path.split('/').some((s) => s.startsWith(SYNC_TEMP_PREFIX)) || isSyncTempName(path)) return undefined;
  return { path };
}
