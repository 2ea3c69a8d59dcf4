/**
 * Test support for the sync matrix (not shipped): drivers that change one side's files the way a
 * user would, tree listings, a journal of every file version a test wrote, and the zero-data-loss
 * assertion built on it. The local-directory driver lives here; a container driver implements the
 * same `SideDriver` over exec.
 */
import { createHash } from 'node:crypto';
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createFileAncestorStore } from '../../controllers/sync/ancestor-store.ts';
import type { AncestorStore, Conflict, CycleResult, SyncEngine, SyncSide } from '../../controllers/sync/engine-api.ts';
import type { Endpoint, IgnoreMatcher } from '../../controllers/sync/endpoint.ts';
import { isSameOrBelow, isSyncTempName } from '../../controllers/sync/endpoint.ts';
import { createIgnoreMatcher } from '../../controllers/sync/ignore.ts';
import { createLocalEndpoint } from '../../controllers/sync/local/local-endpoint.ts';

/** One node of a tree listing. */
export type ListedEntry =
  | { kind: 'file'; digest: string; size: number; executable: boolean }
  | { kind: 'directory' }
  | { kind: 'symlink'; target: string }
  | { kind: 'other' };

/** Everything below a root (nothing filtered), path → entry. */
export type TreeListing = Map<string, ListedEntry>;

/** Changes one side's files directly (as a user or a tool in that environment would). */
export interface SideDriver {
  /** Writes a file, creating missing parent directories. */
  writeFile(path: string, content: string | Uint8Array, options?: { executable?: boolean }): Promise<void>;
  /** The file's bytes, or undefined when it does not exist. */
  readFile(path: string): Promise<Buffer | undefined>;
  /** `rm -rf`. */
  remove(path: string): Promise<void>;
  /** `mkdir -p`. */
  mkdir(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  symlink(path: string, target: string): Promise<void>;
  chmod(path: string, executable: boolean): Promise<void>;
  /** Creates a FIFO (skip the case when the side cannot). */
  mkfifo?(path: string): Promise<void>;
  /** Sets a file's mtime (seconds since the epoch). */
  setMtime(path: string, mtimeSeconds: number): Promise<void>;
  /** Lists everything below the root. */
  tree(): Promise<TreeListing>;
  /** Removes every child of the root, keeping the root. */
  emptyRoot(): Promise<void>;
  /** Removes the root itself. */
  removeRoot(): Promise<void>;
}

/** One side of a matrix fixture. */
export interface MatrixSide {
  endpoint: Endpoint;
  driver: SideDriver;
}

/** Two sides; alpha is always a local directory (the host). */
export interface MatrixFixture {
  alpha: MatrixSide & { root: string };
  beta: MatrixSide;
  /** Fresh endpoints over the same roots (a restarted daemon: no caches). */
  reopen(): Promise<{ alpha: Endpoint; beta: Endpoint }>;
  /** Removes everything the fixture created. */
  cleanup(): Promise<void>;
}

/** Builds a fresh fixture per test. */
export type MakeMatrixFixture = () => Promise<MatrixFixture>;

/** sha256 hex of bytes or a string. */
export function sha256(content: string | Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}

/** A `SideDriver` over a local directory. */
export function createLocalSideDriver(root: string): SideDriver {
  const abs = (path: string): string => join(root, path);
  return {
    async writeFile(path, content, options) {
      await mkdir(dirname(abs(path)), { recursive: true });
      await writeFile(abs(path), content);
      if (options?.executable !== undefined) await chmod(abs(path), options.executable ? 0o755 : 0o644);
    },
    async readFile(path) {
      try {
        return await readFile(abs(path));
      } catch {
        return undefined;
      }
    },
    async remove(path) {
      try {
        await rm(abs(path), { recursive: true, force: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOTDIR') throw err;
      }
    },
    mkdir: async (path) => {
      await mkdir(abs(path), { recursive: true });
    },
    async rename(from, to) {
      await mkdir(dirname(abs(to)), { recursive: true });
      await rename(abs(from), abs(to));
    },
    async symlink(path, target) {
      await mkdir(dirname(abs(path)), { recursive: true });
      await symlink(target, abs(path));
    },
    chmod: (path, executable) => chmod(abs(path), executable ? 0o755 : 0o644),
    async mkfifo(path) {
      const { execFile } = await import('node:child_process');
      await new Promise<void>((resolve, reject) => execFile('mkfifo', [abs(path)], (err) => (err ? reject(err) : resolve())));
    },
    async setMtime(path, mtimeSeconds) {
      const { utimes } = await import('node:fs/promises');
      await utimes(abs(path), mtimeSeconds, mtimeSeconds);
    },
    tree: () => listLocalTree(root),
    async emptyRoot() {
      for (const name of await readdir(root)) await rm(join(root, name), { recursive: true, force: true });
    },
    removeRoot: () => rm(root, { recursive: true, force: true }),
  };
}

/** Lists a local tree (nothing filtered; an absent root lists as empty). */
export async function listLocalTree(root: string): Promise<TreeListing> {
  const out: TreeListing = new Map();
  const walk = async (dir: string, prefix: string): Promise<void> => {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return;
    }
    for (const name of names.sort()) {
      const path = prefix === '' ? name : `${prefix}/${name}`;
      const full = join(dir, name);
      const stats = await lstat(full);
      if (stats.isDirectory()) {
        out.set(path, { kind: 'directory' });
        await walk(full, path);
      } else if (stats.isSymbolicLink()) {
        out.set(path, { kind: 'symlink', target: await readlink(full) });
      } else if (stats.isFile()) {
        const content = await readFile(full);
        out.set(path, { kind: 'file', digest: sha256(content), size: content.length, executable: (stats.mode & 0o111) !== 0 });
      } else {
        out.set(path, { kind: 'other' });
      }
    }
  };
  await walk(root, '');
  return out;
}

/** A fixture of two local directories in a fresh temp dir. */
export async function makeLocalFixture(): Promise<MatrixFixture> {
  const base = await mkdtemp(join(tmpdir(), 'boulder-sync-'));
  const alphaRoot = join(base, 'alpha');
  const betaRoot = join(base, 'beta');
  await mkdir(alphaRoot);
  await mkdir(betaRoot);
  const alpha = createLocalEndpoint(alphaRoot);
  const beta = createLocalEndpoint(betaRoot);
  return {
    alpha: { endpoint: alpha, driver: createLocalSideDriver(alphaRoot), root: alphaRoot },
    beta: { endpoint: beta, driver: createLocalSideDriver(betaRoot) },
    reopen: () => Promise.resolve({ alpha: createLocalEndpoint(alphaRoot), beta: createLocalEndpoint(betaRoot) }),
    cleanup: () => rm(base, { recursive: true, force: true }),
  };
}

/** A file ancestor store in a fresh temp dir (and its cleanup). */
export async function makeTempAncestorStore(): Promise<{ store: AncestorStore; path: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'boulder-sync-state-'));
  const path = join(dir, 'ancestor.json');
  return { store: createFileAncestorStore(path), path, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Aggregate of the cycles run by `syncUntilQuiet`. */
export interface QuietResult {
  last: CycleResult;
  cycles: number;
  bytesTransferred: number;
  changesApplied: number;
}

/** Runs cycles until one applies nothing and asks for no retry (at most `maxCycles`). */
export async function syncUntilQuiet(engine: SyncEngine, maxCycles = 8): Promise<QuietResult> {
  let bytes = 0;
  let changes = 0;
  for (let cycle = 1; ; cycle++) {
    const result = await engine.runCycle();
    bytes += result.bytesTransferred;
    changes += result.changesApplied;
    if (result.halted !== undefined || (result.changesApplied === 0 && !result.retry) || cycle >= maxCycles) {
      return { last: result, cycles: cycle, bytesTransferred: bytes, changesApplied: changes };
    }
  }
}

/** The tree minus ignored paths and endpoint temp files (what sync is responsible for). */
export function syncedView(tree: TreeListing, ignore: IgnoreMatcher = createIgnoreMatcher()): TreeListing {
  const out: TreeListing = new Map();
  for (const [path, entry] of tree) {
    if (isSyncTempName(path) || ignore.ignores(path, entry.kind === 'directory')) continue;
    out.set(path, entry);
  }
  return out;
}

/** Differences between two listings, as readable lines (empty = equal). */
export function diffTrees(alpha: TreeListing, beta: TreeListing, skip: (path: string) => boolean = () => false): string[] {
  const lines: string[] = [];
  const paths = new Set([...alpha.keys(), ...beta.keys()]);
  for (const path of [...paths].sort()) {
    if (skip(path)) continue;
    const a = alpha.get(path);
    const b = beta.get(path);
    if (JSON.stringify(a) !== JSON.stringify(b)) lines.push(`${path}: alpha=${JSON.stringify(a)} beta=${JSON.stringify(b)}`);
  }
  return lines;
}

/** One version of a file a test wrote. */
interface Version {
  side: SyncSide;
  path: string;
  digest: string;
}

/**
 * Records every file version a test writes through it (on either side), so that after syncing
 * `assertNoDataLoss` can check that each one reached the other side or is listed as a conflict.
 * Writes and removals go through the side drivers.
 */
export class SyncJournal {
  readonly #drivers: Record<SyncSide, SideDriver>;
  #live: Version[] = [];
  #log: string[] = [];

  constructor(drivers: Record<SyncSide, SideDriver>) {
    this.#drivers = drivers;
  }

  /** Writes a file on one side and records the version. */
  async write(side: SyncSide, path: string, content: string | Uint8Array, options?: { executable?: boolean }): Promise<void> {
    await this.#drivers[side].writeFile(path, content, options);
    this.#log.push(`${side} write ${path} ${sha256(content).slice(0, 8)}`);
    this.#live = this.#live.filter((v) => !(v.side === side && v.path === path));
    this.#live.push({ side, path, digest: sha256(content) });
  }

  /** Removes a path on one side; versions that side wrote there are no longer expected to survive. */
  async remove(side: SyncSide, path: string): Promise<void> {
    await this.#drivers[side].remove(path);
    this.#log.push(`${side} remove ${path}`);
    this.#live = this.#live.filter((v) => !(v.side === side && isSameOrBelow(v.path, path)));
  }

  /** Renames on one side; that side's versions move with the name (replacing any at the new name). */
  async rename(side: SyncSide, from: string, to: string): Promise<void> {
    await this.#drivers[side].rename(from, to);
    this.#log.push(`${side} rename ${from} → ${to}`);
    this.#live = this.#live.filter((v) => !(v.side === side && isSameOrBelow(v.path, to)));
    this.#live = this.#live.map((v) => {
      if (v.side !== side || !isSameOrBelow(v.path, from)) return v;
      return { ...v, path: to + v.path.slice(from.length) };
    });
  }

  /** Versions recorded since the last checkpoint. */
  versions(): readonly Version[] {
    return this.#live;
  }

  /** Forgets the recorded versions (after they were checked). */
  checkpoint(): void {
    this.#live = [];
    this.#log = [];
  }

  /** The operations recorded since the last checkpoint, for failure messages. */
  log(): readonly string[] {
    return this.#log;
  }
}

/** Options of `assertNoDataLoss`. */
export interface NoDataLossOptions {
  /** Versions a resolving strategy was expected to overwrite (e.g. beta's edit under host-wins). */
  overwritten?: ReadonlyArray<{ side: SyncSide; path: string }>;
  /** Paths where one side's version is intentionally kept on that side only (one-way modes). */
  keptLocally?: ReadonlyArray<{ side: SyncSide; path: string }>;
}

/**
 * Zero data loss: every version the journal recorded is still on its own side and either reached
 * the other side at the same path, or lies at/below a listed conflict (where both copies are
 * kept), or is declared `overwritten`/`keptLocally` by the test. Throws listing every violation;
 * checkpoints the journal when it passes.
 */
export async function assertNoDataLoss(
  journal: SyncJournal,
  drivers: Record<SyncSide, SideDriver>,
  conflicts: readonly Conflict[],
  options: NoDataLossOptions = {},
): Promise<void> {
  const trees: Record<SyncSide, TreeListing> = { alpha: await drivers.alpha.tree(), beta: await drivers.beta.tree() };
  const matches = (list: NoDataLossOptions['overwritten'], v: Version): boolean =>
    (list ?? []).some((x) => x.side === v.side && x.path === v.path);
  const violations: string[] = [];
  for (const v of journal.versions()) {
    if (matches(options.overwritten, v)) continue;
    const other: SyncSide = v.side === 'alpha' ? 'beta' : 'alpha';
    const own = trees[v.side].get(v.path);
    const there = trees[other].get(v.path);
    const ownOk = own?.kind === 'file' && own.digest === v.digest;
    const otherOk = there?.kind === 'file' && there.digest === v.digest;
    const inConflict = conflicts.some((c) => isSameOrBelow(v.path, c.path));
    if (otherOk) continue;
    if (ownOk && (inConflict || matches(options.keptLocally, v))) continue;
    violations.push(
      `${v.side}:${v.path} (${v.digest.slice(0, 8)}): own=${describeListed(own)} other=${describeListed(there)} conflict=${inConflict}`,
    );
  }
  if (violations.length > 0) throw new Error(`data loss:\n${violations.join('\n')}\noperations since the last check:\n${journal.log().join('\n')}`);
  journal.checkpoint();
}

function describeListed(entry: ListedEntry | undefined): string {
  if (entry === undefined) return 'absent';
  if (entry.kind === 'file') return `file ${entry.digest.slice(0, 8)}`;
  return entry.kind;
}
