/**
 * One controller: a work queue of `namespace/name` keys for one kind and the workers that
 * reconcile them. Level-based like controller-runtime: a reconcile receives only the key, re-reads
 * what it needs, and its outcome decides what happens to the key next:
 *
 * - returns nothing            → done; the backoff of the key is reset
 * - returns `{ requeueAfter }` → done; reconciled again after that many ms
 * - throws a `TerminalError`   → recorded (default: Ready=False condition); not retried
 * - throws anything else       → retried with per-key exponential backoff; a CleanupError (from
 *                                 the finalizer helper) is also recorded as Ready=False/CleanupFailed
 *                                 with the next retry time
 *
 * A reconcile that throws never stops its worker, and one key is never reconciled twice at once.
 */
import type { ResourceClient } from '../../apis/client/types.ts';
import type { KindName } from '../../apis/kinds.ts';
import { objectKey, parseObjectKey, type KubeObject } from '../../apis/meta.ts';
import type { BackoffOptions } from './backoff.ts';
import type { Clock } from './clock.ts';
import { recordCleanupFailure } from './cleanup-condition.ts';
import { errorMessage, isCleanupError, isTerminalError, type TerminalError } from './errors.ts';
import {
  logReconcileOutcome,
  newReconcileId,
  reconcileLogger,
  type Logger,
  type ReconcileSummary,
  type ReconcileTrigger,
} from './logger.ts';
import { controllerOwnerKey } from './owners.ts';
import { changedBeyondStatus } from './predicates.ts';
import { recordTerminalCondition } from './terminal-condition.ts';
import { mapEvent, type CachedObjects, type Watch } from './watches.ts';
import { WorkQueue } from './workqueue.ts';

/** Which object to reconcile. */
export interface ReconcileRequest {
  namespace: string;
  name: string;
}

/** What a reconcile gets besides the request. */
export interface ReconcileContext {
  client: ResourceClient;
  clock: Clock;
  /** Child logger bound to kind, key, reconcile id and trigger. */
  log: Logger;
  /** Aborted when the manager gives up waiting for in-flight reconciles during shutdown. */
  signal: AbortSignal;
}

/** A successful reconcile's wish to run again later (waiting on something outside the store). */
export interface ReconcileResult {
  /** Reconcile the key again after this many ms (ignored when ≤ 0). */
  requeueAfter?: number;
}

/** Converges one object; see the module comment for what its outcomes mean. */
export type Reconciler = (request: ReconcileRequest, ctx: ReconcileContext) => Promise<ReconcileResult | void>;

/** Reacts to a TerminalError (the default records a Ready=False condition). */
export type TerminalErrorHandler = (
  error: TerminalError,
  request: ReconcileRequest,
  ctx: ReconcileContext,
) => Promise<void>;

/** What a controller does and how. */
export interface ControllerOptions {
  /** The kind reconciled; its own events enqueue the object's key. */
  kind: KindName;
  reconcile: Reconciler;
  /** Kinds whose events enqueue their controlling owner of `kind` (same namespace). */
  owns?: KindName[];
  /**
   * Whether a watch event of the kind's own object that changed nothing but its status (e.g. the
   * echo of the reconcile's own status write) enqueues it. Default false: filtered by
   * `changedBeyondStatus` (predicates.ts). Set true for a kind whose status is written by someone
   * else and read by its reconcile as an input.
   */
  statusOnlyUpdates?: boolean;
  /** Other kinds whose events enqueue what their `map` says (`watches(kind, mapFn)`, watches.ts). */
  watches?: Watch[];
  /**
   * Reconciled only by a started manager (`Manager.start`, the daemon), never by `runUntilIdle`:
   * for a kind whose reconciles start work that outlives them (sync engines). Default false.
   */
  longRunningOnly?: boolean;
  /** Workers reconciling different keys in parallel. Default 2. */
  concurrency?: number;
  /** Every this many ms, every object of the kind is enqueued (drift check). Default 5 min; 0 disables. */
  resyncPeriodMs?: number;
  /** Retry backoff of failed keys (default: 100 ms doubling to 60 s, ±20 % jitter). */
  backoff?: BackoffOptions;
  /**
   * Called for a TerminalError. Default: re-read the object and set Ready=False with the error's
   * reason and message (observedGeneration = metadata.generation); a vanished object is ignored.
   * When the handler throws, the key is retried with backoff.
   */
  onTerminalError?: TerminalErrorHandler;
}

const PENDING_WRITE = 'pending';

/** What of an object a status write leaves unchanged (spec through generation, and metadata a user or owner edits). */
function nonStatusFingerprint(obj: KubeObject): string {
  const m = obj.metadata;
  return JSON.stringify([m.uid, m.generation, m.deletionTimestamp, m.finalizers, m.labels, m.annotations, m.ownerReferences]);
}

/** Default number of workers per controller. */
export const DEFAULT_CONCURRENCY = 2;
/** Default resync period: 5 minutes. */
export const DEFAULT_RESYNC_PERIOD_MS = 5 * 60 * 1000;

/** What a controller needs from the manager that runs it. */
export interface ControllerDeps {
  client: ResourceClient;
  clock: Clock;
  logger: Logger;
  /** Aborted when in-flight reconciles must hurry (shutdown deadline passed). */
  signal: AbortSignal;
  /** Told about every failed reconcile; must not throw. */
  onReconcileFailure?: ReconcileFailureListener;
}

/** A failed reconcile, as told to `onReconcileFailure`: the kind and outcome only (no key, no message). */
export interface ReconcileFailure {
  kind: KindName;
  outcome: 'error' | 'terminal';
  /** The condition reason of a terminal failure. */
  reason?: string;
  durationMs: number;
}

/** Listener of failed reconciles. */
export type ReconcileFailureListener = (failure: ReconcileFailure) => void;

/** Counters of one controller. */
export interface ControllerStats {
  /** Reconciles finished, whatever their outcome. */
  reconciles: number;
  /** Reconciles that threw (retried or terminal). */
  errors: number;
}

/** A running controller; created by `Manager.add`. */
export class Controller {
  /** The kind reconciled. */
  readonly kind: KindName;
  /** Kinds whose events are mapped to their controlling owner of `kind`. */
  readonly owns: readonly KindName[];
  /** Other kinds whose events are mapped to keys of `kind` by their watch's `map`. */
  readonly watches: readonly Watch[];
  /** Reconciled only by a started manager (see ControllerOptions.longRunningOnly). */
  readonly longRunningOnly: boolean;
  /** The controller's work queue of `namespace/name` keys. */
  readonly queue: WorkQueue;
  /** Resync period in ms (0: none). */
  readonly resyncPeriodMs: number;
  /** Own events that changed only status enqueue the object (see ControllerOptions.statusOnlyUpdates). */
  readonly statusOnlyUpdates: boolean;
  readonly #options: ControllerOptions;
  readonly #deps: ControllerDeps;
  readonly #triggers = new Map<string, ReconcileTrigger>();
  /** Why each queued key was enqueued first since its last reconcile (logged as `cause`). */
  readonly #causes = new Map<string, string>();
  readonly #listeners = new Set<() => void>();
  /**
   * Keys whose CleanupFailed write is not to cut the scheduled backoff short: `pending` while the
   * write runs, then the written object's non-status fingerprint, until the retry runs.
   */
  readonly #ownWrites = new Map<string, string>();
  #workers: Promise<void>[] = [];
  #stats: ControllerStats = { reconciles: 0, errors: 0 };

  /** Builds the controller; nothing runs until `startWorkers`. */
  constructor(options: ControllerOptions, deps: ControllerDeps) {
    this.#options = options;
    this.#deps = deps;
    this.kind = options.kind;
    this.owns = options.owns ?? [];
    this.watches = options.watches ?? [];
    this.longRunningOnly = options.longRunningOnly ?? false;
    this.resyncPeriodMs = options.resyncPeriodMs ?? DEFAULT_RESYNC_PERIOD_MS;
    this.statusOnlyUpdates = options.statusOnlyUpdates ?? false;
    this.queue = new WorkQueue({ clock: deps.clock, ...(options.backoff ? { backoff: options.backoff } : {}) });
  }

  /** Counters since the controller was created. */
  stats(): ControllerStats {
    return { ...this.#stats };
  }

  /**
   * Queues `key` (`namespace/name`), remembering why for the reconcile's log line: the trigger and,
   * when given, the cause (e.g. `watched Workspace default/a: fixed port 3000 of its repository`).
   */
  enqueue(key: string, trigger: ReconcileTrigger, cause?: string): void {
    if (this.queue.isShuttingDown()) return;
    if (!this.#triggers.has(key)) {
      this.#triggers.set(key, trigger);
      if (cause !== undefined) this.#causes.set(key, cause);
    }
    this.queue.add(key);
  }

  /**
   * Enqueues whatever `obj` (of kind `kind`) concerns: its own key for the controller's kind, its
   * controlling owner's key for an owned kind. Returns the key enqueued, if any. `previous` is the
   * state the event's object had before, given only for an update seen by a watch (or a one-shot
   * relist): an own object whose update changed nothing but status is not enqueued (predicates.ts)
   * unless the controller asked for it; owned kinds are never filtered.
   */
  enqueueFor(kind: KindName, obj: KubeObject, trigger: ReconcileTrigger, cause?: string, previous?: KubeObject): string | undefined {
    if (kind === this.kind) {
      const key = objectKey(obj);
      if (this.#isOwnWrite(key, obj)) return undefined;
      if (!this.statusOnlyUpdates && !changedBeyondStatus(previous, obj)) return undefined;
      this.enqueue(key, trigger, cause);
      return key;
    }
    if (!this.owns.includes(kind)) return undefined;
    const owner = controllerOwnerKey(obj, this.kind);
    if (owner !== undefined) this.enqueue(owner, trigger === 'initial' || trigger === 'watch' ? 'owned' : trigger, cause ?? `owned ${kind} ${objectKey(obj)}`);
    return owner;
  }

  /**
   * Enqueues the keys the watches of `kind` map `obj` to (reading `cache`), each with its cause:
   * `watched Workspace default/a: <the map's reason>`. Returns the keys enqueued.
   */
  enqueueWatched(kind: KindName, obj: KubeObject, trigger: ReconcileTrigger, cache: CachedObjects, cause?: string): string[] {
    const keys: string[] = [];
    const onError = (err: unknown): void => this.#deps.logger.error({ kind: this.kind, watched: kind, error: errorMessage(err) }, 'watch map failed');
    for (const watch of this.watches) {
      if (watch.kind !== kind) continue;
      for (const request of mapEvent(watch, obj, cache, onError)) {
        const why = `watched ${kind} ${objectKey(obj)}${cause !== undefined ? ` (${cause})` : ''}: ${request.reason ?? 'changed'}`;
        this.enqueue(request.key, trigger, why);
        keys.push(request.key);
      }
    }
    return keys;
  }

  /**
   * True for an event that only echoes this controller's CleanupFailed write: the key's retry is
   * scheduled already, and the event changed nothing but status (events may lag behind several
   * writes, so it is compared by content, not resourceVersion). While the write runs, every event
   * of the key is taken for it: the retry comes anyway.
   */
  #isOwnWrite(key: string, obj: KubeObject): boolean {
    const written = this.#ownWrites.get(key);
    if (written === undefined) return false;
    if (written === PENDING_WRITE || written === nonStatusFingerprint(obj)) return true;
    this.#ownWrites.delete(key);
    return false;
  }

  /** Calls `listener` whenever a reconcile finished (for waiting on idleness). Returns an unsubscribe. */
  onReconciled(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Starts the workers (once). */
  startWorkers(): void {
    if (this.#workers.length > 0) return;
    const count = Math.max(1, this.#options.concurrency ?? DEFAULT_CONCURRENCY);
    for (let i = 0; i < count; i++) this.#workers.push(this.#work());
  }

  /** Stops intake and resolves once in-flight reconciles finished and the workers exited. */
  async shutDown(): Promise<void> {
    await this.queue.shutDownWithDrain();
    await Promise.all(this.#workers);
  }

  async #work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.#reconcileKey(key);
      } catch (err) {
        // #reconcileKey handles every reconcile outcome; this guards the worker against bugs here.
        this.#deps.logger.error({ kind: this.kind, key, error: errorMessage(err) }, 'reconcile bookkeeping failed');
      } finally {
        this.queue.done(key);
        for (const listener of this.#listeners) listener();
      }
    }
  }

  #takeTrigger(key: string): ReconcileTrigger {
    const trigger = this.#triggers.get(key);
    this.#triggers.delete(key);
    if (trigger !== undefined) return trigger;
    // Not enqueued directly: a delayed add fired. A key with recorded failures was a retry.
    return this.queue.numRequeues(key) > 0 ? 'retry' : 'requeue';
  }

  async #reconcileKey(key: string): Promise<void> {
    this.#ownWrites.delete(key);
    const trigger = this.#takeTrigger(key);
    const cause = this.#causes.get(key);
    this.#causes.delete(key);
    const request = parseObjectKey(key);
    const log = reconcileLogger(this.#deps.logger, { kind: this.kind, key, reconcileId: newReconcileId(), trigger, ...(cause !== undefined ? { cause } : {}) });
    const ctx: ReconcileContext = { client: this.#deps.client, clock: this.#deps.clock, log, signal: this.#deps.signal };
    const started = performance.now();
    const summary = await this.#runReconcile(key, request, ctx);
    this.#stats.reconciles += 1;
    const durationMs = Math.round(performance.now() - started);
    if (summary.outcome === 'error' || summary.outcome === 'terminal') {
      this.#stats.errors += 1;
      try {
        this.#deps.onReconcileFailure?.({ kind: this.kind, outcome: summary.outcome, ...(summary.reason !== undefined ? { reason: summary.reason } : {}), durationMs });
      } catch {
        // A listener never fails a reconcile.
      }
    }
    logReconcileOutcome(log, { ...summary, durationMs });
  }

  async #runReconcile(
    key: string,
    request: ReconcileRequest,
    ctx: ReconcileContext,
  ): Promise<Omit<ReconcileSummary, 'durationMs'>> {
    let result: ReconcileResult | void;
    try {
      result = await this.#options.reconcile(request, ctx);
    } catch (err) {
      if (isTerminalError(err)) return this.#handleTerminal(key, err, request, ctx);
      const retryIn = this.queue.addRateLimited(key);
      if (isCleanupError(err)) {
        const plan = { attempt: this.queue.numRequeues(key), retryInMs: retryIn, now: ctx.clock.now() };
        this.#ownWrites.set(key, PENDING_WRITE);
        try {
          const written = await recordCleanupFailure(ctx.client, this.kind, request, err, plan);
          if (written !== undefined) this.#ownWrites.set(key, nonStatusFingerprint(written));
          else this.#ownWrites.delete(key);
        } catch (recordErr) {
          this.#ownWrites.delete(key);
          ctx.log.warn({ error: errorMessage(recordErr) }, 'recording the cleanup failure failed');
        }
      }
      return { outcome: 'error', requeueAfterMs: retryIn, error: errorMessage(err) };
    }
    this.queue.forget(key);
    const after = result?.requeueAfter;
    if (after !== undefined && after > 0) {
      this.queue.addAfter(key, after);
      return { outcome: 'requeue', requeueAfterMs: after };
    }
    return { outcome: 'done' };
  }

  async #handleTerminal(
    key: string,
    err: TerminalError,
    request: ReconcileRequest,
    ctx: ReconcileContext,
  ): Promise<Omit<ReconcileSummary, 'durationMs'>> {
    const handler =
      this.#options.onTerminalError ??
      ((error: TerminalError, req: ReconcileRequest, c: ReconcileContext) =>
        recordTerminalCondition(c.client, this.kind, req, error, () => c.clock.now()));
    try {
      await handler(err, request, ctx);
    } catch (handlerErr) {
      const retryIn = this.queue.addRateLimited(key);
      return {
        outcome: 'error',
        requeueAfterMs: retryIn,
        error: `${err.message} (recording it failed: ${errorMessage(handlerErr)})`,
        reason: err.reason,
      };
    }
    this.queue.forget(key);
    return { outcome: 'terminal', error: err.message, reason: err.reason };
  }
}
