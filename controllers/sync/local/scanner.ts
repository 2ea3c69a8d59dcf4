/**
 * Scans a local directory tree into a snapshot: directories, regular files with sha256 digests
 * (cached by stat key), and symlinks whose relative target stays inside the root (also through
 * the tree's other links: `symlink-containment.ts`). Ignored paths are
 * pruned (not descended into, not hashed); symlinks leaving the root, special files, unreadable
 * paths and files written to during hashing are reported as problems. Supports accelerated
 * rescans of given subtrees on top of the previous result.
 */
import type { Dirent, Stats } from 'node:fs';
import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { posix } from 'node:path';
import {
  isSameOrBelow,
  joinPath,
  parentPath,
  SYNC_TEMP_PREFIX,
  type Entry,
  type ScanProblem,
  type ScanRequest,
  type ScanResult,
  type Snapshot,
} from '../endpoint.ts';
import type { DigestCache } from './digest-cache.ts';
import { hashFile, hashFileSync, isExecutableMode, SYNC_HASH_LIMIT, type HashOutcome } from './hash.ts';
import { createLimiter } from './limiter.ts';
import { SnapshotRecorder } from '../snapshot-recorder.ts';
import { withoutEscapingLinks } from '../symlink-containment.ts';

/** More dirty subtrees than this and a full scan is cheaper. */
const MAX_SUBTREES = 256;

/** Concurrent hashing reads of large files during a scan. */
const HASH_CONCURRENCY = 8;

/** Longest stretch of synchronous hashing before the event loop gets a turn, ms. */
const SYNC_SLICE_MS = 10;

/** The walk yields to the event loop after this many entries. */
const YIELD_EVERY = 1000;

/** What one scan pass collects. */
interface ScanState {
  entries: Snapshot;
  ignored: Set<string>;
  problems: Map<string, ScanProblem>;
}

/** Mutable context of one scan pass. */
interface Pass {
  state: ScanState;
  request: ScanRequest;
  exceeded: boolean;
  /** Entries visited so far (for yielding to the event loop). */
  visited: number;
  /** Files whose digest must be computed. */
  toHash: Array<{ path: string; stats: Stats }>;
  /** Sets an entry of `state.entries` (through the recorder when the previous listing is updated in place). */
  put: (path: string, entry: Entry) => void;
}

/** Scanner of one local root, keeping the digest cache and the previous result between scans. */
export class LocalScanner {
  readonly #root: string;
  readonly #cache: DigestCache;
  #previous: { state: ScanState; patterns: string } | undefined;
  /** The entries the previous scan returned (`#previous`'s, or a copy without escaping symlinks). */
  #returned: Snapshot | undefined;
  /** Paths changed by the endpoint itself since the previous scan (always rescanned). */
  #selfDirty = new Set<string>();

  constructor(root: string, cache: DigestCache) {
    this.#root = root;
    this.#cache = cache;
  }

  /** Absolute path of a relative path. */
  absolute(path: string): string {
    return path === '' ? this.#root : `${this.#root}/${path}`;
  }

  /** Marks a path the endpoint changed itself, so the next accelerated scan looks at it. */
  markDirty(path: string): void {
    this.#selfDirty.add(path);
  }

  /**
   * Scans the tree (accelerated when `request.subtrees` allows it: the previous listing is then
   * updated in place, and the result says how it changed when that listing was returned before).
   */
  async scan(request: ScanRequest): Promise<ScanResult> {
    const rootState = await this.#rootState();
    if (rootState !== 'directory') {
      this.#previous = undefined;
      this.#returned = undefined;
      this.#selfDirty.clear();
      return { root: rootState, entries: new Map(), ignored: [], problems: [], limitExceeded: false };
    }
    const patterns = request.ignore.patterns.join('\n');
    const pass = newPass(request);
    const previous = this.#previous;
    const roots = this.#reusableRoots(request, patterns);
    const previousReturned = previous !== undefined && this.#returned === previous.state.entries;
    // Until this scan completes, nothing is a basis for the next one (the listing may be half updated).
    this.#previous = undefined;
    this.#returned = undefined;
    let recorder: SnapshotRecorder | undefined;
    if (roots === undefined) {
      await this.#walkDirectory(pass, '');
    } else {
      recorder = reuseInPlace(pass, previous!.state, roots);
      for (const root of roots) await this.#scanPath(pass, root);
    }
    if (!pass.exceeded) await this.#hashQueued(pass);
    if (!pass.exceeded && roots === undefined) this.#cache.retain((path) => pass.state.entries.has(path));
    return this.#complete(pass, patterns, previousReturned ? recorder : undefined);
  }

  /** Keeps the pass as the next scan's basis and returns its result (with `recorder`'s delta, if given). */
  #complete(pass: Pass, patterns: string, recorder: SnapshotRecorder | undefined): ScanResult {
    const max = pass.request.maxEntries;
    if (max !== undefined && pass.state.entries.size > max) pass.exceeded = true;
    this.#previous = pass.exceeded ? undefined : { state: pass.state, patterns };
    // Links that leave the root through other links: decided again on every scan, against the whole tree.
    const result = withoutEscapingLinks(pass.state.entries, [...pass.state.problems.values()]);
    this.#returned = pass.exceeded ? undefined : result.entries;
    const delta = recorder === undefined ? {} : { delta: recorder.delta(result.entries) };
    return { root: 'directory', ...result, ignored: [...pass.state.ignored], limitExceeded: pass.exceeded, ...delta };
  }

  /**
   * The roots an accelerated scan rescans on top of the previous result (the request's subtrees and
   * the endpoint's own changes), or undefined when everything must be walked; takes the own changes.
   */
  #reusableRoots(request: ScanRequest, patterns: string): string[] | undefined {
    const previous = this.#previous;
    const dirty = request.subtrees === undefined ? undefined : [...request.subtrees, ...this.#selfDirty];
    this.#selfDirty.clear();
    if (previous === undefined || previous.patterns !== patterns || dirty === undefined || dirty.length > MAX_SUBTREES) return undefined;
    return this.#rescanRoots(previous.state, dirty);
  }

  async #rootState(): Promise<ScanResult['root']> {
    try {
      const stats = await stat(this.#root);
      return stats.isDirectory() ? 'directory' : 'not-directory';
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
      throw err;
    }
  }

  /** The roots to rescan for the dirty paths (see `#escalate`), or undefined when that is the whole tree. */
  #rescanRoots(previous: ScanState, dirty: readonly string[]): string[] | undefined {
    const roots: string[] = [];
    for (const path of dirty) {
      const root = this.#escalate(previous, path);
      if (root === '') return undefined;
      roots.push(root);
    }
    return minimalRoots(roots);
  }

  /**
   * Walks `path` up until its parent is a directory both in the previous scan and on disk now, so
   * that rescanning the result covers every change the hint can stand for.
   */
  #escalate(previous: ScanState, path: string): string {
    let current = normalizeRelative(path);
    while (current !== '') {
      const parent = parentPath(current);
      if (parent === '') return current;
      if (previous.entries.get(parent)?.kind === 'directory' && this.#isDirectoryOnDisk(parent)) return current;
      current = parent;
    }
    return '';
  }

  #isDirectoryOnDisk(path: string): boolean {
    try {
      return lstatSync(this.absolute(path)).isDirectory();
    } catch {
      return false;
    }
  }

  /** Scans one path (whatever it now is) and, when it is a directory, everything below it. */
  async #scanPath(pass: Pass, path: string): Promise<void> {
    let stats: Stats;
    try {
      stats = lstatSync(this.absolute(path));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      this.#problem(pass, path, 'unreadable', (err as Error).message);
      return;
    }
    const name = path.slice(path.lastIndexOf('/') + 1);
    if (name.startsWith(SYNC_TEMP_PREFIX)) return;
    if (this.#visit(pass, path, stats.isDirectory(), stats.isFile(), stats.isSymbolicLink(), stats)) await this.#walkDirectory(pass, path);
  }

  /**
   * Walks below `dir` with synchronous metadata calls (several times faster than promise-based
   * ones for cached inodes), yielding to the event loop every `YIELD_EVERY` entries; files whose
   * digest is not cached are queued and hashed afterwards, concurrently.
   */
  async #walkDirectory(pass: Pass, dir: string): Promise<void> {
    const stack = [dir];
    while (stack.length > 0 && !pass.exceeded) {
      const current = stack.pop() as string;
      let dirents: Dirent[];
      try {
        dirents = readdirSync(this.absolute(current), { withFileTypes: true });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (current === '') throw err;
        if (code === 'ENOENT' || code === 'ENOTDIR') this.#problem(pass, current, 'changed-during-scan', 'directory vanished while being scanned');
        else this.#problem(pass, current, 'unreadable', (err as Error).message);
        continue;
      }
      for (const dirent of dirents) {
        if (dirent.name.startsWith(SYNC_TEMP_PREFIX)) continue;
        const path = joinPath(current, dirent.name);
        if (this.#visit(pass, path, dirent.isDirectory(), dirent.isFile(), dirent.isSymbolicLink(), undefined)) stack.push(path);
        if (++pass.visited % YIELD_EVERY === 0) await yieldToEventLoop();
        if (pass.exceeded) return;
      }
    }
  }

  /** Classifies one path; true when it is a directory to descend into. */
  #visit(pass: Pass, path: string, isDir: boolean, isFile: boolean, isLink: boolean, known: Stats | undefined): boolean {
    if (pass.request.ignore.ignores(path, isDir)) {
      pass.state.ignored.add(path);
      return false;
    }
    if (!isDir && !isFile && !isLink) {
      this.#problem(pass, path, 'unsupported-type', 'not a regular file, directory or symlink');
      return false;
    }
    const max = pass.request.maxEntries;
    if (max !== undefined && pass.state.entries.size + pass.toHash.length >= max) {
      pass.exceeded = true;
      return false;
    }
    if (isDir) {
      pass.put(path, { kind: 'directory' });
      return true;
    }
    if (isLink) {
      this.#symlinkEntry(pass, path);
      return false;
    }
    let stats = known;
    if (stats === undefined) {
      try {
        stats = lstatSync(this.absolute(path));
      } catch {
        this.#problem(pass, path, 'changed-during-scan', 'file vanished while being scanned');
        return false;
      }
    }
    if (!stats.isFile()) {
      this.#problem(pass, path, 'changed-during-scan', 'file changed type while being scanned');
      return false;
    }
    const cached = this.#cache.get(path, stats);
    if (cached === undefined) pass.toHash.push({ path, stats });
    else pass.put(path, fileEntry(cached, stats));
    return false;
  }

  #symlinkEntry(pass: Pass, path: string): void {
    let target: string;
    try {
      target = readlinkSync(this.absolute(path));
    } catch (err) {
      this.#problem(pass, path, 'changed-during-scan', (err as Error).message);
      return;
    }
    if (!symlinkStaysInside(path, target)) {
      this.#problem(pass, path, 'symlink-outside-root', `symlink target ${JSON.stringify(target)} is absolute or leaves the sync root`);
      return;
    }
    pass.put(path, { kind: 'symlink', target });
  }

  /**
   * Hashes the files the walk queued (cache misses): large ones concurrently through the thread
   * pool, small ones with synchronous calls in slices of `SYNC_SLICE_MS` between which the event
   * loop runs (one small file costs a few microseconds when cached, against four thread-pool
   * round trips for the asynchronous calls).
   */
  async #hashQueued(pass: Pass): Promise<void> {
    const limiter = createLimiter(HASH_CONCURRENCY);
    const large = pass.toHash.filter(({ stats }) => stats.size > SYNC_HASH_LIMIT);
    const pending = Promise.all(
      large.map(({ path, stats }) =>
        limiter.run(async () => {
          const hashedAt = Date.now();
          this.#record(pass, path, hashedAt, await hashFile(this.absolute(path), stats));
        }),
      ),
    );
    let sliceStart = performance.now();
    for (const { path, stats } of pass.toHash) {
      if (stats.size > SYNC_HASH_LIMIT) continue;
      if (performance.now() - sliceStart >= SYNC_SLICE_MS) {
        await yieldToEventLoop();
        sliceStart = performance.now();
      }
      const hashedAt = Date.now();
      this.#record(pass, path, hashedAt, hashFileSync(this.absolute(path), stats));
    }
    await pending;
    pass.toHash = [];
  }

  #record(pass: Pass, path: string, hashedAt: number, outcome: HashOutcome): void {
    if (outcome.status === 'ok') {
      this.#cache.set(path, outcome.stats, outcome.digest, hashedAt);
      pass.put(path, fileEntry(outcome.digest, outcome.stats));
    } else if (outcome.status === 'unreadable') {
      this.#problem(pass, path, 'unreadable', outcome.message);
    } else {
      this.#problem(pass, path, 'changed-during-scan', 'file changed while being hashed');
    }
  }

  #problem(pass: Pass, path: string, reason: ScanProblem['reason'], message: string): void {
    pass.state.problems.set(path, { path, reason, message });
  }
}

/** True when a symlink at `path` with `target` is relative and resolves (lexically) inside the root. */
export function symlinkStaysInside(path: string, target: string): boolean {
  if (target === '' || posix.isAbsolute(target) || target.includes('\0')) return false;
  const resolved = posix.normalize(posix.join(parentPath(path) || '.', target));
  return resolved !== '..' && !resolved.startsWith('../');
}

/** Normalises a hint path: `/` separators, no leading/trailing slashes, no `.` segments. */
export function normalizeRelative(path: string): string {
  const normalized = posix.normalize(path.replaceAll('\\', '/')).replace(/^\/+|\/+$/g, '');
  if (normalized === '.' || normalized.startsWith('../') || normalized === '..') return '';
  return normalized;
}

/** A pass filling a new listing. */
function newPass(request: ScanRequest): Pass {
  const entries: Snapshot = new Map();
  return {
    state: { entries, ignored: new Set(), problems: new Map() },
    request,
    exceeded: false,
    visited: 0,
    toHash: [],
    put: (path, entry) => void entries.set(path, entry),
  };
}

/**
 * Makes `pass` update `previous`'s entries in place (through the returned recorder), without the
 * entries at and below `roots` (only a directory has entries below it: the listing is walked only
 * when a root was one), keeping previous ignored paths and problems outside the roots.
 */
function reuseInPlace(pass: Pass, previous: ScanState, roots: readonly string[]): SnapshotRecorder {
  const recorder = new SnapshotRecorder(previous.entries);
  pass.state.entries = previous.entries;
  pass.put = (path, entry) => recorder.set(path, entry);
  const prefixes = roots.filter((root) => previous.entries.get(root)?.kind === 'directory').map((root) => `${root}/`);
  if (prefixes.length > 0) {
    for (const path of [...previous.entries.keys()]) if (prefixes.some((prefix) => path.startsWith(prefix))) recorder.delete(path);
  }
  for (const root of roots) recorder.delete(root);
  const below = (path: string): boolean => roots.some((root) => isSameOrBelow(path, root));
  for (const path of previous.ignored) if (!below(path)) pass.state.ignored.add(path);
  for (const [path, problem] of previous.problems) if (!below(path)) pass.state.problems.set(path, problem);
  return recorder;
}

/** Drops roots that lie below another root. */
function minimalRoots(roots: readonly string[]): string[] {
  const sorted = [...new Set(roots)].sort();
  const out: string[] = [];
  for (const root of sorted) {
    if (!out.some((kept) => isSameOrBelow(root, kept))) out.push(root);
  }
  return out;
}

function fileEntry(digest: string, stats: Stats): Entry {
  return { kind: 'file', digest, size: stats.size, executable: isExecutableMode(stats.mode), mtimeMs: stats.mtimeMs };
}
