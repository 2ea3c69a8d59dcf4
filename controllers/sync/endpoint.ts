/**
 * The contract between the sync engine and one side of a sync session (a local directory, a Docker
 * container, later a Kubernetes pod or a microVM). The engine never touches files itself: it asks an
 * endpoint for a snapshot, for file contents, and to apply a batch of checked operations.
 *
 * Conventions shared by every method:
 * - Paths are relative to the sync root, use `/` as separator, never start or end with `/`, never
 *   contain `.` or `..` segments; the root itself is the empty string `''` and is never a snapshot
 *   key.
 * - Equality of entries is kind + sha256 digest + executable bit + symlink target (see
 *   `entriesEqual`). mtime is informational only: an endpoint may use it (with size, inode, ctime) to
 *   skip re-hashing an unchanged file, the engine never decides anything by it.
 * - Every mutating operation carries the entry the engine *expects* at the path (what the last scan
 *   saw, `undefined` = nothing there). The endpoint re-checks just before acting and refuses with
 *   `changed` when the path no longer matches: nothing on disk is overwritten or deleted unless it
 *   is exactly what the engine reasoned about.
 * - Names starting with `SYNC_TEMP_PREFIX` are the endpoint's own temporary files: scans and watch
 *   hints never report them.
 *
 * Batching: `readFiles` and `apply` take whole lists so that a remote endpoint can use one tar
 * stream and one shell script per cycle instead of one round trip per file.
 */

/** A regular file. */
export interface FileEntry {
  kind: 'file';
  /** Lower-case hex sha256 of the content. */
  digest: string;
  /** Size in bytes. */
  size: number;
  /** True when any execute bit is set. */
  executable: boolean;
  /** Modification time in ms since the epoch: informational only, never part of equality. */
  mtimeMs?: number;
}

/** A directory (its children are separate snapshot entries). */
export interface DirectoryEntry {
  kind: 'directory';
}

/** A symbolic link whose (relative) target stays inside the root; the target need not exist. */
export interface SymlinkEntry {
  kind: 'symlink';
  /** The link's target exactly as stored in the link (relative, `/`-separated). */
  target: string;
}

/** One synchronisable node of a tree. */
export type Entry = FileEntry | DirectoryEntry | SymlinkEntry;

/** The kinds of `Entry`. */
export type EntryKind = Entry['kind'];

/** A tree as path → entry (parents are present for every child; the root is not a key). */
export type Snapshot = Map<string, Entry>;

/** Read-only view of a snapshot. */
export type ReadonlySnapshot = ReadonlyMap<string, Entry>;

/** Why a path could not be synchronised; such paths are neither propagated nor deleted. */
export type ProblemReason =
  /** A symlink whose target is absolute or leaves the root. */
  | 'symlink-outside-root'
  /** A FIFO, socket or device: a type sync cannot carry. */
  | 'unsupported-type'
  /** The path could not be read (permissions, I/O error). */
  | 'unreadable'
  /** The file changed while it was being hashed; it is rescanned next cycle. */
  | 'changed-during-scan';

/** A path the scan saw but cannot synchronise. */
export interface ScanProblem {
  path: string;
  reason: ProblemReason;
  /** Human-readable detail. */
  message: string;
}

/** Matches paths against ignore rules (see `controllers/sync/ignore.ts`). */
export interface IgnoreMatcher {
  /** The rules in .gitignore syntax, in order (defaults first), for endpoints that match remotely. */
  readonly patterns: readonly string[];
  /** True when `path` (relative, `/`-separated) is ignored; `isDirectory` tells whether it is a directory. */
  ignores(path: string, isDirectory: boolean): boolean;
}

/** What the engine asks of a scan. */
export interface ScanRequest {
  /** Paths matching these rules are not descended into, not hashed and not reported as entries. */
  ignore: IgnoreMatcher;
  /**
   * Stop early once more than this many entries were found and report `limitExceeded`
   * (undefined = unlimited).
   */
  maxEntries?: number;
  /**
   * Accelerated rescan: only these subtrees (and the existence of their ancestors) may have
   * changed since this endpoint's previous scan, apart from what the endpoint changed itself
   * through `apply` (which it must rescan on its own); the rest may be reused from the previous
   * scan. An endpoint is always free to ignore this and scan everything. Undefined = full scan.
   */
  subtrees?: readonly string[];
  /**
   * Of `subtrees`, the paths this endpoint's own hints named (they most likely changed here): an
   * endpoint may hash or fetch them eagerly. Undefined = not known.
   */
  hinted?: readonly string[];
}

/** State of the sync root itself. */
export type RootState = 'directory' | 'absent' | 'not-directory';

/** The result of a scan. */
export interface ScanResult {
  /** Whether the root exists and is a directory. When not, `entries` is empty. */
  root: RootState;
  /** Every synchronisable, non-ignored entry below the root. */
  entries: Snapshot;
  /** Ignored paths that exist (top-most only: an ignored directory's children are not listed). */
  ignored: string[];
  /** Paths that exist but cannot be synchronised (see `ProblemReason`). */
  problems: ScanProblem[];
  /** True when the scan stopped because `maxEntries` was exceeded; `entries` is then incomplete. */
  limitExceeded: boolean;
  /**
   * Set when this scan updated, in place, a map the endpoint returned before (an accelerated
   * rescan without copying the tree): exactly how this result differs from that map as it was
   * returned. An endpoint never changes a map it returned except as told by such a delta.
   */
  delta?: ListingDelta;
}

/** How a listing differs from an earlier one, `base` (mtimes ignored). */
export interface ListingDelta {
  /** The earlier listing (the map the endpoint returned then; it may hold the new state by now). */
  base: ReadonlySnapshot;
  /** Added or changed paths, with the entry before (undefined when added). */
  changed: Map<string, Entry | undefined>;
  /** Paths no longer listed, with the entry they had. */
  removed: Map<string, Entry>;
}

/** A file the engine wants to read, with the entry the scan saw. */
export interface FileRequest {
  path: string;
  expected: FileEntry;
}

/** One file's content as produced by `readFiles`. */
export interface FileContent {
  path: string;
  /** The entry the engine expected (copied from the request). */
  expected: FileEntry;
  /**
   * The bytes, or `null` when the file could not be opened (vanished, replaced by another type,
   * unreadable). Consumers verify the sha256 of what they receive against `expected.digest`.
   */
  data: AsyncIterable<Uint8Array> | null;
}

/** Create or replace a regular file with content streamed from the other side, or copied locally. */
export interface WriteOperation {
  op: 'write';
  path: string;
  /** What must be at `path` right now (`undefined` = nothing). A file, a symlink or nothing. */
  expected: FileEntry | SymlinkEntry | undefined;
  /** The new content's digest: bytes whose sha256 differs are discarded (`source-changed`). */
  digest: string;
  size: number;
  executable: boolean;
  /**
   * Where the bytes come from: `stream` = the next item of `apply`'s `contents` iterable (items
   * arrive in the order of the `stream` writes); `{ copyFrom }` = a file already on this endpoint
   * with the same digest (rename/copy detection: nothing crosses the wire).
   */
  source: 'stream' | { copyFrom: string };
}

/** Remove a file, a symlink or an empty directory. */
export interface RemoveOperation {
  op: 'remove';
  path: string;
  /** What must be at `path` right now; a directory is removed only when empty. */
  expected: Entry;
}

/**
 * Create a directory where nothing exists (an existing directory counts as success). `path` `''`
 * creates the root itself, with missing parents (first contact with an absent root).
 */
export interface MkdirOperation {
  op: 'mkdir';
  path: string;
}

/** Create or replace a symlink. */
export interface SymlinkOperation {
  op: 'symlink';
  path: string;
  target: string;
  /** What must be at `path` right now (`undefined` = nothing). A file, a symlink or nothing. */
  expected: FileEntry | SymlinkEntry | undefined;
}

/** Change only the executable bit of an existing file. */
export interface ChmodOperation {
  op: 'chmod';
  path: string;
  executable: boolean;
  expected: FileEntry;
}

/** One checked change to apply on an endpoint. */
export type Operation = WriteOperation | RemoveOperation | MkdirOperation | SymlinkOperation | ChmodOperation;

/** How one operation went. */
export type OperationResult =
  /** Done; `entry` is what is now at the path (absent for `remove`). */
  | { status: 'ok'; entry?: Entry }
  /** The target no longer matched `expected` (or a parent is missing): nothing was changed. */
  | { status: 'changed'; message: string }
  /** The streamed/copied bytes did not hash to `digest` (the source changed during transfer). */
  | { status: 'source-changed'; message: string }
  /** An I/O error (permissions, disk full, …): nothing was changed at the path. */
  | { status: 'failed'; message: string };

/** A hint that something may have changed; never trusted as truth, always followed by a scan. */
export interface ChangeHint {
  /** Something at or below this path may have changed; undefined = anything (e.g. overflow). */
  path?: string;
}

/** One side of a sync session. */
export interface Endpoint {
  /** Short name for logs and messages (e.g. `local:/home/me/repo`). */
  readonly name: string;
  /** Scans the tree below the root, hashing files (cached by mtime/size/inode where possible). */
  scan(request: ScanRequest): Promise<ScanResult>;
  /**
   * Streams the requested files in order. Each item's `data` must be fully consumed (or abandoned
   * by breaking out) before the next item is requested.
   */
  readFiles(files: readonly FileRequest[]): AsyncIterable<FileContent>;
  /**
   * Applies `ops` in order, each checked against its `expected` entry just before acting; writes
   * go to a temporary file beside the target, are verified against their digest and renamed into
   * place. Returns one result per operation (same order). A failed operation does not stop the
   * batch; later operations that depend on it fail their own checks. `contents` supplies the bytes
   * of `stream` writes in order; the endpoint consumes exactly one item per `stream` write (even
   * when that write is refused) and finally ends the iteration (`for await` to the end, or
   * `return()`), so the source can release the file behind the last item. Rejects only when the
   * endpoint itself is unusable (transport lost): then an unknown prefix of `ops` may have been
   * applied.
   */
  apply(ops: readonly Operation[], contents: AsyncIterable<FileContent>): Promise<OperationResult[]>;
  /**
   * Change hints until `signal` aborts (the iterable then ends). Hints for the endpoint's own
   * temporary files are filtered out; hints for its own completed writes need not be.
   */
  watch(signal: AbortSignal): AsyncIterable<ChangeHint>;
  /** Releases resources (watchers, connections). */
  close(): Promise<void>;
}

/** Prefix of the names an endpoint uses for its temporary files; never scanned, never synced. */
export const SYNC_TEMP_PREFIX = '.boulder-sync-';

/** True when the last segment of `path` is an endpoint temporary name. */
export function isSyncTempName(path: string): boolean {
  const slash = path.lastIndexOf('/');
  return path.startsWith(SYNC_TEMP_PREFIX, slash + 1);
}

/** Equality used by reconciliation: kind, digest, executable bit, symlink target (never mtime). */
export function entriesEqual(a: Entry | undefined, b: Entry | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'directory':
      return true;
    case 'file':
      return b.kind === 'file' && a.digest === b.digest && a.executable === b.executable;
    case 'symlink':
      return b.kind === 'symlink' && a.target === b.target;
  }
}

/** Parent of a relative path (`''` for top-level names). */
export function parentPath(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

/** Joins a parent path and a name (`''` parent = the root). */
export function joinPath(parent: string, name: string): string {
  return parent === '' ? name : `${parent}/${name}`;
}

/** True when `path` equals `ancestor` or lies below it (`''` is the ancestor of everything). */
export function isSameOrBelow(path: string, ancestor: string): boolean {
  if (ancestor === '') return true;
  return path === ancestor || (path.length > ancestor.length && path.startsWith(ancestor) && path[ancestor.length] === '/');
}
