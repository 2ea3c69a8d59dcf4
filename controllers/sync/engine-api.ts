/**
 * The public face of the sync engine: options, results, conflicts and the ancestor store contract.
 * The engine (host = alpha, workspace = beta) runs cycles of scan → reconcile against the persisted
 * ancestor → apply checked operations on both endpoints → fold what was actually applied back into
 * the ancestor. See controllers/sync/README.md for the semantics. Create an engine with
 * `createSyncEngine` from engine.ts.
 */
import type { Logger } from '../runtime/logger.ts';
import type { Clock } from '../runtime/clock.ts';
import type { Endpoint, ReadonlySnapshot, ScanProblem } from './endpoint.ts';

// Types only: the engine (engine.ts), the file ancestor store (ancestor-store.ts) and
// SyncPausedError (errors.ts) import these types, so this module must not re-export them back
// (that made a six-file import circle).

/**
 * How changes flow:
 * - `two-way-safe` (default): both ways; changes on both sides to the same path are a conflict
 *   (unless `conflict` picks a winner); a deletion against a modification keeps the modification.
 * - `two-way-resolved`: both ways; alpha (host) wins every conflict.
 * - `one-way-safe`: alpha → beta only; beta-only creations and edits are kept (not tracked),
 *   nothing beta changed is overwritten unless `conflict` is `host-wins`.
 * - `one-way-replica`: beta mirrors alpha exactly (beta changes are overwritten/deleted), except
 *   ignored or unsyncable content on beta, which blocks with a conflict.
 */
export type SyncMode = 'two-way-safe' | 'two-way-resolved' | 'one-way-safe' | 'one-way-replica';

/**
 * What happens to a path both sides changed: `manual` (default) lists a conflict and touches
 * neither copy; `host-wins` copies alpha over beta; `container-wins` copies beta over alpha
 * (bidirectional modes) or leaves beta's version alone (one-way-safe).
 */
export type ConflictStrategy = 'host-wins' | 'container-wins' | 'manual';

/** Optional limits; unset = unlimited. */
export interface SyncLimits {
  /** Most entries (files, directories, symlinks) one side may hold; more halts the session. */
  maxEntryCount?: number;
  /** Largest file (bytes) that is transferred; larger files are skipped and reported as problems. */
  maxStagingSize?: number;
}

/** Which way a side is seen from in a conflict. */
export type SyncSide = 'alpha' | 'beta';

/** Kinds of conflict. */
export type ConflictType =
  /** Both sides created the path with different content (no common ancestor). */
  | 'both-created'
  /** Both sides changed (edited, retyped, or edited inside) the same path differently. */
  | 'both-modified'
  /**
   * Propagating a change would remove content that is ignored or cannot be synchronised on the
   * receiving side (e.g. a directory deleted on one side still holds ignored files on the other).
   */
  | 'deletion-blocked';

/** One unresolved conflict; neither side's content at `path` is touched until it is resolved. */
export interface Conflict {
  /** Root of the conflicting subtree, relative to the sync root. */
  path: string;
  type: ConflictType;
  /** The change on alpha relative to the ancestor, e.g. `modified file`, `created directory`, `deleted`. */
  alpha: string;
  /** The change on beta relative to the ancestor. */
  beta: string;
}

/** Why a session halted. */
export type HaltReason =
  /** One side's root lost all its synchronisable content while the ancestor had enough of it. */
  | 'root-emptied'
  /** One side's root directory no longer exists. */
  | 'root-deleted'
  /** One side's root is no longer a directory. */
  | 'root-type-changed'
  /** A side holds more entries than `limits.maxEntryCount`. */
  | 'max-entry-count'
  /**
   * A side reported a path that is not a safe relative path (`..`, absolute, NUL, newline, …), an
   * entry below a symlink or a file, or a symlink leaving the root (see listing-check.ts).
   */
  | 'unsafe-path';

/** A safety halt: nothing was propagated; `resume()` (after fixing the cause) or `reset()` clears it. */
export interface Halt {
  reason: HaltReason;
  /** What happened and what the user can do, in one or two sentences. */
  message: string;
  /** The side the halt is about, when it is about one. */
  side?: SyncSide;
  /** `unsafe-path`: the offending path as reported, and the validator's code (e.g. `PathEscapes`). */
  path?: string;
  code?: string;
}

/** A path that was not synchronised this cycle, and why. */
export interface SyncProblem extends Omit<ScanProblem, 'reason'> {
  side: SyncSide;
  reason: ScanProblem['reason'] | 'too-large' | 'apply-failed' | 'changed-during-transfer';
}

/** What one cycle did. */
export interface CycleResult {
  /** Operations applied successfully on both sides (writes, removals, mkdirs, links, chmods). */
  changesApplied: number;
  /** Content bytes streamed between the endpoints (local copies for renames count 0). */
  bytesTransferred: number;
  /** Unresolved conflicts after this cycle. */
  conflicts: Conflict[];
  /** Scan and apply problems of this cycle. */
  problems: SyncProblem[];
  /** Set when a safety check halted the session; nothing was applied. */
  halted?: Halt;
  /** Entries (files, directories, symlinks) tracked on either side after the cycle. */
  filesTotal: number;
  /** Entries equal on both sides after the cycle (the ancestor's size). */
  filesSynced: number;
  /** Wall time of the cycle. */
  durationMs: number;
  /**
   * True when something changed underneath during the cycle (a file modified while hashed or
   * transferred, a target changed before being replaced): another cycle should follow soon.
   */
  retry: boolean;
}

/** Observable state of an engine. */
export interface SyncEngineStatus {
  /** `idle` between cycles, `scanning`/`applying` during one. */
  activity: 'idle' | 'scanning' | 'applying';
  paused: boolean;
  halted?: Halt;
  /** The most recent cycle's result, if any. */
  lastResult?: CycleResult;
  /** Unresolved conflicts as of the last cycle. */
  conflicts: Conflict[];
  /** Total content bytes transferred by this engine instance. */
  bytesTransferred: number;
  /** Cycles that threw (endpoint errors) since the engine was created. */
  errorCount: number;
}

/** Options of `watch`. */
export interface WatchOptions {
  /** Called after every cycle the loop runs (including halted ones). */
  onCycle?: (result: CycleResult) => void;
  /** Called when a cycle throws; the loop keeps going after a back-off. */
  onError?: (error: unknown) => void;
}

/** A running sync session between two endpoints. */
export interface SyncEngine {
  /**
   * One pass: scan both sides, reconcile against the ancestor, apply, persist the ancestor.
   * Calls are serialised. Rejects with `SyncPausedError` while paused, and with the endpoint's
   * error when a side is unusable (the ancestor keeps whatever was really applied). While halted
   * it resolves at once with the halt and touches nothing.
   */
  runCycle(): Promise<CycleResult>;
  /** Like `runCycle` but forces a full rescan of both sides (no accelerated scan). */
  flush(): Promise<CycleResult>;
  /** Stops cycling; resolves once no cycle is running any more. */
  pause(): Promise<void>;
  /** Clears a pause and a halt; a running `watch` loop cycles at once (full rescan). */
  resume(): void;
  /**
   * Runs until `signal` aborts: an immediate full cycle, then hints from both endpoints →
   * debounce → cycle (accelerated on the hinted subtrees), a periodic full rescan, a quick retry
   * when a cycle asks for one. Resolves when aborted.
   */
  watch(signal: AbortSignal, options?: WatchOptions): Promise<void>;
  /**
   * Resolves the conflict listed at `path` by keeping one side's content (the other side's copy
   * is replaced or deleted), then runs a cycle and returns it. Rejects with `NotFoundError` when
   * no conflict is listed at `path`.
   */
  resolve(path: string, keep: SyncSide): Promise<CycleResult>;
  /**
   * Forgets the ancestor (and clears a halt): the next cycle treats both trees as new, so content
   * on one side only is copied to the other, identical content is adopted and differing content
   * is a conflict (or resolved by the strategy). Nothing is deleted by a reset.
   */
  reset(): Promise<void>;
  /** A snapshot of the engine's state. */
  status(): SyncEngineStatus;
  /** Stops watching and closes both endpoints. */
  close(): Promise<void>;
}

/** Tunables with defaults; tests shorten them. */
export interface SyncTimings {
  /** Quiet period after the last hint before a cycle starts. Default 15 ms. */
  debounceMs?: number;
  /**
   * Quiet period for a lone edit (one hinted path after at least 100 ms without hints); never
   * longer than `debounceMs`. Default 2 ms.
   */
  quickDebounceMs?: number;
  /** Longest a burst of hints can delay a cycle. Default 250 ms. */
  maxDebounceMs?: number;
  /** Full rescan safety net while watching. Default 5 minutes. */
  fullRescanIntervalMs?: number;
  /** First retry delay after a cycle asked for a retry (doubles up to 5 s). Default 0 (immediate). */
  retryDelayMs?: number;
}

/** Options of `createSyncEngine`. */
export interface SyncEngineOptions {
  /** The host side (the git worktree). */
  alpha: Endpoint;
  /** The workspace side. */
  beta: Endpoint;
  /** Default `two-way-safe`. */
  mode?: SyncMode;
  /** Default `manual`. `two-way-resolved` with `container-wins` is rejected as contradictory. */
  conflict?: ConflictStrategy;
  /** User ignore patterns (.gitignore syntax), applied after the defaults (see ignore.ts). */
  ignores?: readonly string[];
  /** Set false to drop the default ignores (`.git`, editor temp files). Default true. */
  defaultIgnores?: boolean;
  limits?: SyncLimits;
  /** Where the last agreed snapshot lives. */
  ancestorStore: AncestorStore;
  /**
   * Halt when a root that had at least this many top-level entries in the ancestor becomes
   * empty on exactly one side. Default 2 (Mutagen's threshold).
   */
  rootEmptiedThreshold?: number;
  timings?: SyncTimings;
  clock?: Clock;
  logger?: Logger;
}

/** The last state both sides agreed on, as persisted by an `AncestorStore`. */
export interface AncestorRecord {
  /** Every agreed entry (mtime fields are not kept). */
  entries: ReadonlySnapshot;
  /**
   * Set when `entries` is the very map saved last, changed in place since at exactly these paths
   * (a scoped cycle): a store may look at only these. Absent: any path may differ.
   */
  changed?: ReadonlySet<string>;
}

/** Persists the ancestor of one session. Saves must be atomic (never a half-written ancestor). */
export interface AncestorStore {
  /** The saved ancestor, or undefined when there is none (new session or after `clear`). */
  load(): Promise<AncestorRecord | undefined>;
  /** Replaces the saved ancestor atomically. */
  save(record: AncestorRecord): Promise<void>;
  /** Forgets the ancestor. */
  clear(): Promise<void>;
}
