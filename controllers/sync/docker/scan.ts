/**
 * Scanning a directory inside a container through the shell agent: one request lists every entry
 * with `find … -exec stat` (kind, size, mode, mtime, ctime, inode, path: tab-separated lines), a
 * second hashes only the files whose stat key changed since the previous scan (`sha256sum`) and
 * reads symlink targets. The digest cache lives on the host side, keyed by path and stat key;
 * entries modified within the last 2 s are always re-hashed (mtime has 1 s resolution here).
 */
import {
  isSameOrBelow,
  isSyncTempName,
  parentPath,
  SYNC_TEMP_PREFIX,
  type Entry,
  type ScanProblem,
  type ScanRequest,
  type ReadonlySnapshot,
  type ScanResult,
  type Snapshot,
} from '../endpoint.ts';
import { randomBytes } from 'node:crypto';
import { parsePrefetchOutput, prefetchScript, type Prefetched } from './prefetch.ts';
import { shellQuote } from './shell-agent.ts';
import { ScanBasisLostError } from '../errors.ts';
import { SnapshotRecorder } from '../snapshot-recorder.ts';
import { withoutEscapingLinks } from '../symlink-containment.ts';

/** One `stat` line, parsed. */
export interface StatLine {
  path: string;
  kind: 'file' | 'directory' | 'symlink' | 'other';
  size: number;
  mode: number;
  mtime: number;
  key: string;
}

/** Stat format: kind, size, mode, mtime (s), mtime and ctime (ns text), inode, name, record end. */
const STAT_FORMAT = '%F\t%s\t%a\t%Y\t%y\t%z\t%i\t%n\t//';

/** Ends every record (paths never contain `//`, so names with newlines or tabs parse). */
export const RECORD_END = '\t//\n';

/** Most hinted paths whose bytes come with the listing request (prefetch.ts). */
const MAX_PREFETCH = 16;

/**
 * The listing script for `root` (all of it, or the given subtrees and their ancestors). A scoped
 * listing with a `clockFile` (the agent's running request file, `agentRequestFile`: its mtime is
 * when the request arrived, on the container's clock) takes the container's time from that file's
 * stat instead of running `date`, and stats every non-directory subtree, every ancestor and the
 * clock file in one `stat` process: an edit's listing is one process in the container, not three.
 */
export function listScript(root: string, subtrees: readonly string[] | undefined, clockFile?: string): string {
  const clock = subtrees !== undefined && clockFile !== undefined;
  const lines = [
    `R=${shellQuote(root)}`,
    'if [ ! -e "$R" ] && [ ! -L "$R" ]; then echo absent; exit 0; fi',
    'if [ ! -d "$R" ]; then echo not-directory; exit 0; fi',
    'echo directory',
    clock ? `echo ${CLOCK_LINE}` : 'date +%s',
    'cd "$R" || exit 3',
  ];
  const find = (start: string): string =>
    `find ${start} -mindepth ${start === '.' ? 1 : 0} -name '${SYNC_TEMP_PREFIX}*' -prune -o -exec stat -c '${STAT_FORMAT}' {} + 2>/dev/null`;
  if (subtrees === undefined) lines.push(find('.'));
  else {
    const ancestors = new Set<string>();
    for (const subtree of subtrees) {
      for (let p = parentPath(subtree); p !== ''; p = parentPath(p)) ancestors.add(p);
    }
    // A directory is walked; anything else joins the one `stat` below (a missing path is skipped by it).
    lines.push('set --');
    for (const subtree of subtrees) {
      if (subtree === '') lines.push(find('.'));
      else {
        const q = shellQuote(`./${subtree}`);
        lines.push(`if [ -d ${q} ] && [ ! -L ${q} ]; then ${find(q)}; else set -- "$@" ${q}; fi`);
      }
    }
    const fixed = [...(clock ? [shellQuote(clockFile)] : []), ...[...ancestors].map((a) => shellQuote(`./${a}`))];
    const stat = `stat -c '${STAT_FORMAT}' ${[...fixed, '"$@"'].join(' ')} 2>/dev/null`;
    lines.push(fixed.length > 0 ? stat : `[ $# -eq 0 ] || ${stat}`);
  }
  lines.push('true');
  return lines.join('\n');
}

/** The second line of a listing whose clock is the clock file's mtime (see `listScript`). */
const CLOCK_LINE = 'clock-file';

/**
 * Parses the listing output; `root` state, container clock and the lines. With `clockFile`, a
 * listing whose second line is the clock marker takes the clock from that file's record (missing:
 * 0, so every file counts as freshly modified and is hashed, never trusted from the cache).
 */
export function parseListing(output: string, clockFile?: string): { root: ScanResult['root']; now: number; lines: StatLine[] } {
  const firstBreak = output.indexOf('\n');
  const root = output.slice(0, firstBreak < 0 ? undefined : firstBreak).trim() as ScanResult['root'];
  if (root !== 'directory') return { root: root === 'not-directory' ? 'not-directory' : 'absent', now: 0, lines: [] };
  const secondBreak = output.indexOf('\n', firstBreak + 1);
  const second = output.slice(firstBreak + 1, secondBreak);
  const clock = second === CLOCK_LINE ? clockFile : undefined;
  let now = second === CLOCK_LINE ? 0 : Number.parseInt(second, 10);
  const lines: StatLine[] = [];
  for (const row of output.slice(secondBreak + 1).split(RECORD_END)) {
    const fields = row.split('\t');
    if (fields.length < 8) continue;
    const name = fields.slice(7).join('\t');
    if (clock !== undefined && name === clock) now = Number(fields[3]) || 0;
    const line = parseRecord(fields, name);
    if (line !== undefined) lines.push(line);
  }
  return { root: 'directory', now, lines };
}

/** One stat record of the sync root (`./…`, not a temp name), or undefined. */
function parseRecord(fields: readonly string[], name: string): StatLine | undefined {
  if (!name.startsWith('./')) return undefined;
  const path = name.slice(2);
  if (path === '' || isSyncTempName(path)) return undefined;
  const type = fields[0]!;
  const kind = type.startsWith('regular') ? 'file' : type === 'directory' ? 'directory' : type === 'symbolic link' ? 'symlink' : 'other';
  return {
    path,
    kind,
    size: Number(fields[1]),
    mode: Number.parseInt(fields[2]!, 8),
    mtime: Number(fields[3]),
    key: `${fields[1]}/${fields[4]}/${fields[5]}/${fields[6]}`,
  };
}

/** The hashing/readlink script for the given paths: digests in order, then link records. */
export function detailScript(root: string, hash: readonly string[], links: readonly string[]): string {
  const lines = [`cd ${shellQuote(root)} || exit 3`];
  for (let i = 0; i < hash.length; i += 200) {
    lines.push(`sha256sum ${hash.slice(i, i + 200).map((p) => shellQuote(`./${p}`)).join(' ')} 2>/dev/null`);
  }
  lines.push(`printf '${LINKS_MARK}'`);
  for (const link of links) lines.push(`printf '%s\\t%s\\t//\\n' ${shellQuote(link)} "$(readlink ${shellQuote(`./${link}`)})"`);
  lines.push('true');
  return lines.join('\n');
}

const LINKS_MARK = '__links__\\n';

/**
 * Digests from `sha256sum` output for `paths` (given in that order; unreadable files are missing
 * from the output). Matching by the expected names keeps names with newlines intact; GNU-style
 * escaped lines (leading backslash) are understood too.
 */
export function parseOrderedDigests(output: string, paths: readonly string[]): Map<string, string> {
  const digests = new Map<string, string>();
  let at = 0;
  for (const path of paths) {
    const plain = `  ./${path}\n`;
    const escaped = `  ./${path.replaceAll('\\', '\\\\').replaceAll('\n', '\\n')}\n`;
    const offset = output[at] === '\\' ? 1 : 0;
    const hash = output.slice(at + offset, at + offset + 64);
    if (!/^[0-9a-f]{64}$/.test(hash)) continue;
    const rest = at + offset + 64;
    const suffix = offset === 1 ? escaped : plain;
    if (output.startsWith(suffix, rest)) {
      digests.set(path, hash);
      at = rest + suffix.length;
    }
  }
  return digests;
}

/** Parses the detail output into digests and link targets. */
export function parseDetails(output: string, hashed: readonly string[]): { digests: Map<string, string>; targets: Map<string, string> } {
  const mark = output.lastIndexOf('__links__\n');
  const digests = parseOrderedDigests(mark < 0 ? output : output.slice(0, mark), hashed);
  const targets = new Map<string, string>();
  if (mark >= 0) {
    for (const record of output.slice(mark + '__links__\n'.length).split(RECORD_END)) {
      const tab = record.indexOf('\t');
      if (tab > 0) targets.set(record.slice(0, tab), record.slice(tab + 1));
    }
  }
  return { digests, targets };
}

/** True when a relative symlink target stays inside the root (from the link's directory). */
export function targetStaysInside(linkPath: string, target: string): boolean {
  if (target === '' || target.startsWith('/')) return false;
  let depth = linkPath.split('/').length - 1;
  for (const segment of target.split('/')) {
    if (segment === '..') depth--;
    else if (segment !== '.' && segment !== '') depth++;
    if (depth < 0) return false;
  }
  return true;
}

/** Host-side state kept between scans. */
export interface ScanState {
  /**
   * path → stat key and digest. `placed`: recorded by apply for a file it placed with a
   * whole-second mtime from the tar header, trusted while the key is unchanged even when fresh
   * (no write can keep that mtime).
   */
  digests: Map<string, { key: string; digest: string; placed?: boolean }>;
  /** The previous scan's entries (for accelerated scans; updated in place by the next one). */
  previous: Snapshot | undefined;
  /** The map the previous scan returned (`previous`, or a copy without escaping symlinks). */
  returned?: Snapshot | undefined;
  /** Paths this endpoint changed itself since the previous scan. */
  dirty: Set<string>;
  /** Hinted files whose bytes came with the last scan (prefetch.ts); replaced by every scan. */
  prefetched: Prefetched;
}

/**
 * Runs a scan through `run` (which executes a script and returns its stdout); `clockFile`: the
 * agent's request file, whose mtime gives a scoped listing the container's time (`listScript`).
 */
export async function scanContainer(
  root: string,
  request: ScanRequest,
  state: ScanState,
  run: (script: string) => Promise<Buffer>,
  clockFile?: string,
): Promise<ScanResult> {
  state.prefetched = new Map();
  // The listing an accelerated scan updates; it must still be the basis when the scan gets to it.
  const basis = request.subtrees === undefined ? undefined : state.previous;
  const subtrees = basis === undefined ? undefined : [...request.subtrees!, ...state.dirty];
  // This side's hinted paths that were files (or nothing) come with the listing (prefetch.ts).
  const hinted = request.hinted ?? request.subtrees ?? [];
  const prefetch = basis !== undefined && hinted.length <= MAX_PREFETCH ? hinted.filter((p) => basis.get(p)?.kind !== 'directory') : [];
  const { listing, fetched, prehashed } = await listWithPrefetch(root, subtrees, prefetch, run, clockFile);
  state.dirty.clear();
  if (listing.root !== 'directory') {
    state.previous = undefined;
    state.returned = undefined;
    return { root: listing.root, entries: new Map(), ignored: [], problems: [], limitExceeded: false };
  }
  const ignoredDirs: string[] = [];
  const ignored: string[] = [];
  const problems: ScanProblem[] = [];
  const kept: StatLine[] = [];
  for (const line of listing.lines.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    if (ignoredDirs.some((d) => isSameOrBelow(line.path, d))) continue;
    if (request.ignore.ignores(line.path, line.kind === 'directory')) {
      ignored.push(line.path);
      if (line.kind === 'directory') ignoredDirs.push(line.path);
      continue;
    }
    if (line.kind === 'other') {
      problems.push({ path: line.path, reason: 'unsupported-type', message: 'FIFO, socket or device file' });
      continue;
    }
    kept.push(line);
  }
  const toHash: string[] = [];
  const links: string[] = [];
  for (const line of kept) {
    if (line.kind === 'symlink') links.push(line.path);
    if (line.kind !== 'file') continue;
    const cached = state.digests.get(line.path);
    const racy = line.mtime >= listing.now - 2 && cached?.placed !== true;
    if (cached === undefined || cached.key !== line.key || racy) toHash.push(line.path);
  }
  const hashing = new Set(toHash);
  const remaining = toHash.filter((path) => !prehashed.has(path));
  const details = remaining.length + links.length > 0 ? parseDetails((await run(detailScript(root, remaining, links))).toString(), remaining) : undefined;
  const digestOf = (path: string): string | undefined => details?.digests.get(path) ?? prehashed.get(path);
  // From here on nothing is awaited: the previous listing is updated in place (or a new one is
  // built) in one go; it is no basis for the next scan until the update is complete.
  const target = listingTarget(state, basis, subtrees, listing.lines);
  const { entries } = target;
  for (const line of kept) {
    let entry: Entry | ScanProblem;
    if (line.kind === 'file') {
      // A file that had to be hashed never falls back to a cached digest (it changed since).
      const wanted = hashing.has(line.path);
      const digest = wanted ? digestOf(line.path) : state.digests.get(line.path)?.digest;
      if (wanted && digest !== undefined) state.digests.set(line.path, { key: line.mtime < listing.now - 2 ? line.key : '', digest });
      entry = fileEntryOf(line, digest);
    } else {
      entry = line.kind === 'directory' ? { kind: 'directory' } : linkEntryOf(line.path, details?.targets.get(line.path) ?? '');
    }
    if ('reason' in entry) {
      problems.push(entry);
      continue;
    }
    target.put(line.path, entry);
    if (request.maxEntries !== undefined && entries.size > request.maxEntries) {
      // Incomplete: returned (the session halts), never a basis (the next scan lists everything).
      return { root: 'directory', entries, ignored, problems, limitExceeded: true };
    }
  }
  dropOrphans(entries, target.remove, kept, subtrees);
  state.previous = entries;
  state.prefetched = scannedOnly(fetched, entries);
  // Links that leave the root through other links: decided again on every scan, against the whole tree.
  const result = withoutEscapingLinks(entries, problems);
  state.returned = result.entries;
  // The map the previous scan returned was changed in place: the engine is told exactly how.
  const delta = target.recorder !== undefined && target.previousReturned ? { delta: target.recorder.delta(result.entries) } : {};
  return { root: 'directory', ...result, ignored, limitExceeded: false, ...delta };
}

/** A listed file's entry, or its problem when it could not be hashed. */
function fileEntryOf(line: StatLine, digest: string | undefined): Entry | ScanProblem {
  if (digest === undefined) return { path: line.path, reason: 'unreadable', message: 'could not be hashed' };
  return { kind: 'file', digest, size: line.size, executable: (line.mode & 0o111) !== 0, mtimeMs: line.mtime * 1000 };
}

/** A listed symlink's entry, or its problem when the target leaves the root. */
function linkEntryOf(path: string, target: string): Entry | ScanProblem {
  if (!targetStaysInside(path, target)) return { path, reason: 'symlink-outside-root', message: `symlink to ${target}` };
  return { kind: 'symlink', target };
}

/** The map a scan fills: the previous listing updated in place (through `recorder`), or a new one. */
interface ListingTarget {
  entries: Snapshot;
  recorder: SnapshotRecorder | undefined;
  /** Whether the previous scan returned the map being updated (its consumer must get a delta). */
  previousReturned: boolean;
  put(path: string, entry: Entry): void;
  remove(path: string): void;
}

/**
 * Where a scan puts its entries: `basis` updated in place for an accelerated scan of `subtrees`
 * (undefined: a full scan, a new map). `state` holds no basis for the next scan from here until
 * the scan completes. A basis dropped meanwhile (agent restarted, another scan) fails the scan:
 * the listing of the subtrees alone is no listing of the root.
 */
function listingTarget(state: ScanState, basis: Snapshot | undefined, subtrees: readonly string[] | undefined, lines: readonly StatLine[]): ListingTarget {
  if (basis !== undefined && state.previous !== basis) throw new ScanBasisLostError();
  const previous = basis;
  const previousReturned = previous !== undefined && state.returned === previous;
  const recorder = previous !== undefined && subtrees !== undefined ? reuseInPlace(previous, subtrees, lines) : undefined;
  state.previous = undefined;
  state.returned = undefined;
  if (recorder !== undefined) {
    return { entries: recorder.entries, recorder, previousReturned, put: (path, entry) => recorder.set(path, entry), remove: (path) => recorder.delete(path) };
  }
  const entries: Snapshot = new Map();
  return { entries, recorder, previousReturned, put: (path, entry) => void entries.set(path, entry), remove: (path) => void entries.delete(path) };
}

/**
 * Runs the listing of `subtrees` (undefined = everything) with the bytes of the `prefetch` paths
 * as a tar after a mark the container cannot predict; those bytes are hashed here and stand for a
 * file's content (`prehashed`) only when their length is the size just listed.
 */
async function listWithPrefetch(
  root: string,
  subtrees: readonly string[] | undefined,
  prefetch: readonly string[],
  run: (script: string) => Promise<Buffer>,
  clockFile: string | undefined,
): Promise<{ listing: ReturnType<typeof parseListing>; fetched: Prefetched; prehashed: Map<string, string> }> {
  const tarMark = `\n__prefetch_${randomBytes(8).toString('hex')}__\n`;
  const raw = await run(listScript(root, subtrees, clockFile) + (prefetch.length === 0 ? '' : `\n${prefetchScript(prefetch, tarMark)}\ntrue`));
  const tarAt = prefetch.length === 0 ? -1 : raw.indexOf(tarMark);
  const listing = parseListing((tarAt < 0 ? raw : raw.subarray(0, tarAt)).toString(), clockFile);
  const fetched: Prefetched = tarAt < 0 ? new Map() : await parsePrefetchOutput(raw.subarray(tarAt + tarMark.length), prefetch, tarMark);
  const sizes = new Map(listing.lines.map((line) => [line.path, line.size]));
  const prehashed = new Map<string, string>();
  for (const [path, hit] of fetched) if (sizes.get(path) === hit.bytes.length) prehashed.set(path, hit.digest);
  return { listing, fetched, prehashed };
}

/** The prefetched files whose bytes are exactly what the scan reports (digest and size). */
function scannedOnly(fetched: Prefetched, entries: Snapshot): Prefetched {
  const out: Prefetched = new Map();
  for (const [path, hit] of fetched) {
    const entry = entries.get(path);
    if (entry?.kind === 'file' && entry.digest === hit.digest && entry.size === hit.bytes.length) out.set(path, hit);
  }
  return out;
}

/**
 * Keeps the snapshot consistent: drops children whose parent is not present. Entries kept from the
 * previous scan had their parents then; only when a listed path outside the rescanned `subtrees`
 * (an ancestor of one) is no longer a directory can one of them have lost it, so otherwise only
 * the newly listed lines are checked (`subtrees` undefined: a full scan, everything is checked).
 */
function dropOrphans(entries: ReadonlySnapshot, remove: (path: string) => void, listed: readonly StatLine[], subtrees: readonly string[] | undefined): void {
  const ancestorRetyped = subtrees === undefined || listed.some((line) => line.kind !== 'directory' && !subtrees.some((s) => isSameOrBelow(line.path, s)));
  for (const path of ancestorRetyped ? [...entries.keys()].sort() : listed.map((line) => line.path)) {
    const parent = parentPath(path);
    if (parent !== '' && entries.get(parent)?.kind !== 'directory') remove(path);
  }
}

/**
 * Starts updating `previous` in place (through a recorder): drops the rescanned `subtrees` and the
 * ancestors of one that are gone, with everything below those (only a directory has entries below
 * it: the map is walked only when a dropped path was one). Undefined when the whole root is
 * rescanned (a new map is built instead).
 */
function reuseInPlace(previous: Snapshot, subtrees: readonly string[], lines: readonly StatLine[]): SnapshotRecorder | undefined {
  const dropped = [...subtrees, ...ancestorsNotListed(subtrees, new Set(lines.map((l) => l.path)))];
  if (dropped.includes('')) return undefined;
  const recorder = new SnapshotRecorder(previous);
  const below = dropped.filter((path) => previous.get(path)?.kind === 'directory').map((path) => `${path}/`);
  if (below.length > 0) for (const path of [...previous.keys()]) if (below.some((prefix) => path.startsWith(prefix))) recorder.delete(path);
  for (const path of dropped) recorder.delete(path);
  return recorder;
}

/** The ancestors of the subtrees that the listing no longer shows (what lies below them is gone). */
function ancestorsNotListed(subtrees: readonly string[], listed: ReadonlySet<string>): string[] {
  const gone = new Set<string>();
  for (const s of subtrees) {
    for (let a = parentPath(s); a !== ''; a = parentPath(a)) if (!listed.has(a)) gone.add(a);
  }
  return [...gone];
}
