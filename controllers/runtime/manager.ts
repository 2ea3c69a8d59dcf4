/**
 * The controller manager: runs every registered controller against one ResourceClient. In the
 * long-lived mode (`start`/`stop`, used by `boulder daemon`) it keeps one informer (list+watch)
 * per kind, shared by every controller that reconciles, owns or watches the kind, and a cache of
 * what they saw; it feeds events to the controllers (own kind → the object's key, owned kind → the
 * controlling owner's key, watched kind → what the watch maps it to: watches.ts), runs the
 * registered runnables (work that lives as long as the manager: event streams, forwarders),
 * resyncs periodically and shuts down gracefully. In the one-shot mode (`runUntilIdle`, used by
 * `boulder reconcile --once`) it lists instead of watching, runs no runnables and no
 * `longRunningOnly` controller, and returns once nothing is left to do.
 */
import type { ResourceClient } from '../../apis/client/types.ts';
import { BoulderError } from '../../apis/errors.ts';
import type { KindName } from '../../apis/kinds.ts';
import { objectKey, parseObjectKey, type KubeObject } from '../../apis/meta.ts';
import type { BackoffOptions } from './backoff.ts';
import { realClock, type Clock } from './clock.ts';
import { Controller, type ControllerOptions, type ControllerStats, type ReconcileFailureListener } from './controller.ts';
import { errorMessage } from './errors.ts';
import { runInformer, type InformerSource } from './informer.ts';
import { silentLogger, type Logger, type ReconcileTrigger } from './logger.ts';
import { ObjectCache } from './watches.ts';

/** What a manager runs on. */
export interface ManagerOptions {
  client: ResourceClient;
  /** Default: the wall clock. */
  clock?: Clock;
  /** Root logger; reconciles log through children of it. Default: silent. */
  logger?: Logger;
  /** How long `stop` waits for in-flight reconciles before aborting their signal. Default 30 s. */
  stopTimeoutMs?: number;
  /** Delay before relisting a kind whose watch failed (default: 200 ms doubling to 30 s). */
  watchBackoff?: BackoffOptions;
  /** Told about every failed reconcile (friction collection, cmd/telemetry); must not throw. */
  onReconcileFailure?: ReconcileFailureListener;
}

/** Options of `runUntilIdle`. */
export interface RunUntilIdleOptions {
  /** Give up (TimeoutError-coded BoulderError) when work is still going on after this many ms. */
  timeoutMs: number;
}

/** What `runUntilIdle` did: reconciles finished and how many of them threw. */
export type RunUntilIdleResult = ControllerStats;

/**
 * Work that runs as long as a started manager (controller-runtime's Runnable): started by `start`
 * (never by `runUntilIdle`), told to end when `signal` aborts (at `stop`), awaited by `stop`.
 */
export type Runnable = (signal: AbortSignal) => Promise<void>;

/** How long a shutdown waits for a runnable after aborting it (ms). */
export const RUNNABLE_STOP_GRACE_MS = 5_000;

/** Default `stopTimeoutMs`. */
export const DEFAULT_STOP_TIMEOUT_MS = 30_000;

type ManagerState = 'new' | 'running' | 'once' | 'stopping' | 'stopped';

/** Runs controllers; see the module comment. */
export class Manager {
  readonly #client: ResourceClient;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #onFailure: ReconcileFailureListener | undefined;
  readonly #log: Logger;
  readonly #stopTimeoutMs: number;
  readonly #watchBackoff: BackoffOptions | undefined;
  readonly #controllers: Controller[] = [];
  readonly #runnables: { name: string; run: Runnable }[] = [];
  readonly #stopHooks: (() => Promise<void>)[] = [];
  readonly #cache = new ObjectCache();
  /** Stops informers (watch) and resync timers. */
  readonly #intake = new AbortController();
  /** Aborts in-flight reconciles when shutdown gives up waiting for them. */
  readonly #hurry = new AbortController();
  #informers: Promise<void>[] = [];
  #resyncCancels: (() => void)[] = [];
  #state: ManagerState = 'new';
  #mode: 'new' | 'started' | 'once' = 'new';
  #stopping: Promise<void> | undefined;

  /** Creates a manager with no controllers. */
  constructor(options: ManagerOptions) {
    this.#client = options.client;
    this.#clock = options.clock ?? realClock;
    this.#logger = options.logger ?? silentLogger();
    this.#onFailure = options.onReconcileFailure;
    this.#log = this.#logger.child({ component: 'manager' });
    this.#stopTimeoutMs = options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
    this.#watchBackoff = options.watchBackoff;
  }

  /** Registers a controller (before `start` or `runUntilIdle`). */
  add(options: ControllerOptions): Controller {
    if (this.#state !== 'new') throw new Error('Manager.add: controllers must be added before the manager runs');
    const controller = new Controller(options, {
      client: this.#client,
      clock: this.#clock,
      logger: this.#logger,
      signal: this.#hurry.signal,
      ...(this.#onFailure !== undefined ? { onReconcileFailure: this.#onFailure } : {}),
    });
    this.#controllers.push(controller);
    return controller;
  }

  /** Registers work that runs while the manager is started (see `Runnable`); before `start`. */
  addRunnable(name: string, run: Runnable): void {
    if (this.#state !== 'new') throw new Error('Manager.addRunnable: runnables must be added before the manager runs');
    this.#runnables.push({ name, run });
  }

  /**
   * Calls `hook` once when the manager stops, in either mode, after in-flight reconciles finished
   * (or the stop deadline passed): for what reconciles leave running (sync engines). A hook that
   * throws is logged.
   */
  onStop(hook: () => Promise<void>): void {
    this.#stopHooks.push(hook);
  }

  /**
   * How the manager runs: `started` from `start` on (also while and after it stops: the daemon),
   * `once` from `runUntilIdle` on, `new` before either.
   */
  mode(): 'new' | 'started' | 'once' {
    return this.#mode;
  }

  /**
   * Tells the controllers that the object `key` of `kind` changed outside the store (a provider's
   * drift hint): dispatched like a watch event of its cached state (or of just its name when not
   * cached), with `cause` for the log.
   */
  hint(kind: KindName, key: string, cause: string): void {
    if (this.#intake.signal.aborted) return;
    const obj = this.#cache.get(kind, key) ?? ({ apiVersion: '', kind, metadata: parseObjectKey(key) } as KubeObject);
    this.#dispatch(kind, obj, 'watch', cause);
  }

  /** The registered controllers. */
  controllers(): readonly Controller[] {
    return this.#controllers;
  }

  /** Reconciles finished and errors, summed over controllers. */
  stats(): ControllerStats {
    return this.#controllers.reduce(
      (sum, c) => {
        const s = c.stats();
        return { reconciles: sum.reconciles + s.reconciles, errors: sum.errors + s.errors };
      },
      { reconciles: 0, errors: 0 },
    );
  }

  /**
   * Starts one informer per watched kind, the resync timers and, once every informer made its
   * first list attempt (its objects are then queued), the workers; then resolves. Informers whose
   * list failed keep retrying in the background.
   */
  async start(): Promise<void> {
    this.#enter('running');
    const firstLists: Promise<void>[] = [];
    for (const kind of this.#watchedKinds()) {
      let reported!: () => void;
      firstLists.push(new Promise<void>((resolve) => (reported = resolve)));
      this.#informers.push(
        runInformer({
          client: this.#client,
          kind,
          clock: this.#clock,
          log: this.#log,
          signal: this.#intake.signal,
          onObject: (obj, source, deleted) => {
            // The state before a watched update, for the own-kind status-only filter (predicates.ts).
            const previous = source === 'watch' && !deleted ? this.#cache.get(kind, objectKey(obj)) : undefined;
            this.#cache.observe(kind, obj, deleted);
            this.#dispatch(kind, obj, triggerOf(source), undefined, previous);
          },
          onFirstList: () => reported(),
          ...(this.#watchBackoff ? { backoff: this.#watchBackoff } : {}),
        }),
      );
    }
    for (const { name, run } of this.#runnables) this.#informers.push(this.#runRunnable(name, run));
    for (const c of this.#controllers) this.#scheduleResync(c);
    // Like controller-runtime's cache sync: workers start once every kind was listed, so an owner
    // whose own and owned objects are all queued at startup reconciles once, not once per kind.
    await Promise.all(firstLists);
    if (this.#intake.signal.aborted) return;
    for (const c of this.#controllers) c.startWorkers();
    this.#log.info({ kinds: this.#watchedKinds(), controllers: this.#controllers.map((c) => c.kind) }, 'manager started');
  }

  /**
   * Graceful shutdown: stops watches, resyncs and queue intake, waits for in-flight reconciles to
   * finish (up to `stopTimeoutMs`, then aborts their signal and stops waiting) and resolves.
   * Idempotent.
   */
  stop(): Promise<void> {
    if (this.#stopping !== undefined) return this.#stopping;
    if (this.#state === 'new' || this.#state === 'stopped') {
      this.#state = 'stopped';
      return Promise.resolve();
    }
    this.#state = 'stopping';
    this.#stopping = this.#shutDown();
    return this.#stopping;
  }

  /**
   * One-shot convergence without watches: lists every watched kind, reconciles what it found, and
   * repeats (relisting to catch objects created or changed by those reconciles, e.g. a finalizer
   * just added or an owned object just created) until a relist finds nothing new and every queue
   * is idle. Requeues with `requeueAfter` are not waited for; retries of failed keys are, when due
   * before the timeout. Stops the workers before resolving; the manager cannot run again.
   * Rejects with a BoulderError coded `Timeout` when work is still in flight at the timeout (the
   * reconciles' signal is aborted at once; they get `stopTimeoutMs` to return). A `stop()`
   * meanwhile ends it early with the counts so far.
   */
  async runUntilIdle(options: RunUntilIdleOptions): Promise<RunUntilIdleResult> {
    this.#enter('once');
    const deadline = this.#clock.now().getTime() + options.timeoutMs;
    let timedOut = false;
    let wake: () => void = () => undefined;
    const cancelTimeout = this.#clock.setTimer(options.timeoutMs, () => {
      timedOut = true;
      wake();
    });
    const unsubscribe = this.#controllers.map((c) => c.onReconciled(() => wake()));
    const onStop = (): void => wake();
    this.#intake.signal.addEventListener('abort', onStop);
    unsubscribe.push(() => this.#intake.signal.removeEventListener('abort', onStop));
    const seen = new Map<KindName, Map<string, KubeObject>>();
    try {
      for (const c of this.#activeControllers()) c.startWorkers();
      let first = true;
      for (;;) {
        const changed = await this.#listPass(seen, first ? 'initial' : 'resync');
        if (!changed && !first && this.#settled(deadline)) break;
        first = false;
        while (!timedOut && !this.#settled(deadline) && !this.#intake.signal.aborted) {
          await new Promise<void>((resolve) => (wake = resolve));
        }
        if (this.#intake.signal.aborted) break; // stop() was called meanwhile
        if (timedOut) {
          // One-shot callers want an answer: tell in-flight reconciles to give up now.
          this.#hurry.abort(new BoulderError('Timeout', `reconcile timed out after ${options.timeoutMs} ms`));
          const pending = this.#controllers.reduce((n, c) => n + c.queue.len() + c.queue.processing(), 0);
          const { reconciles, errors } = this.stats();
          throw new BoulderError(
            'Timeout',
            `reconcile did not finish within ${options.timeoutMs} ms (${reconciles} reconciles, ${errors} errors, ${pending} keys pending)`,
          );
        }
      }
      return this.stats();
    } finally {
      cancelTimeout();
      for (const off of unsubscribe) off();
      await this.stop();
    }
  }

  /** The controllers of this mode: in `once` mode all but the `longRunningOnly` ones. */
  #activeControllers(): Controller[] {
    return this.#controllers.filter((c) => !(this.#mode === 'once' && c.longRunningOnly));
  }

  /** True when no key waits or runs and no retry falls due before `deadline`. */
  #settled(deadline: number): boolean {
    return this.#activeControllers().every(
      (c) => c.queue.isIdle() && !c.queue.pendingDelayed().some((d) => d.rateLimited && d.dueAt <= deadline),
    );
  }

  /**
   * Lists every watched kind (into the cache) and then dispatches objects new or changed since
   * `seen`, and vanished ones.
   */
  async #listPass(seen: Map<KindName, Map<string, KubeObject>>, trigger: ReconcileTrigger): Promise<boolean> {
    const events: { kind: KindName; obj: KubeObject; previous?: KubeObject }[] = [];
    for (const kind of this.#watchedKinds()) {
      const before = seen.get(kind) ?? new Map<string, KubeObject>();
      const now = new Map<string, KubeObject>();
      const list = await this.#client.list(kind);
      for (const obj of list.items) {
        const key = objectKey(obj);
        now.set(key, obj);
        this.#cache.observe(kind, obj, false);
        const previous = before.get(key);
        if (previous?.metadata.resourceVersion === obj.metadata.resourceVersion) continue;
        events.push({ kind, obj, ...(previous !== undefined ? { previous } : {}) });
      }
      for (const [key, obj] of before) {
        if (now.has(key)) continue;
        this.#cache.observe(kind, obj, true);
        events.push({ kind, obj });
      }
      seen.set(kind, now);
    }
    for (const { kind, obj, previous } of events) this.#dispatch(kind, obj, trigger, undefined, previous);
    return events.length > 0;
  }

  #enter(state: 'running' | 'once'): void {
    if (this.#state !== 'new') throw new Error(`Manager: cannot ${state === 'running' ? 'start' : 'runUntilIdle'} twice`);
    this.#state = state;
    this.#mode = state === 'running' ? 'started' : 'once';
  }

  #watchedKinds(): KindName[] {
    const kinds = new Set<KindName>();
    for (const c of this.#controllers) {
      kinds.add(c.kind);
      for (const owned of c.owns) kinds.add(owned);
      for (const watch of c.watches) kinds.add(watch.kind);
    }
    return [...kinds];
  }

  /** Hands an event to every controller; `previous`: the object's state before a watched update. */
  #dispatch(kind: KindName, obj: KubeObject, trigger: ReconcileTrigger, cause?: string, previous?: KubeObject): void {
    for (const c of this.#activeControllers()) {
      c.enqueueFor(kind, obj, trigger, cause, previous);
      c.enqueueWatched(kind, obj, trigger, this.#cache, cause);
    }
  }

  /**
   * Runs a runnable until the intake signal aborts; a failure is logged, never thrown. A runnable
   * still running RUNNABLE_STOP_GRACE_MS after the abort is logged by name and no longer waited
   * for, so one stuck stream cannot hold the whole shutdown.
   */
  async #runRunnable(name: string, run: Runnable): Promise<void> {
    const signal = this.#intake.signal;
    const running = run(signal).catch((err: unknown) => {
      if (!signal.aborted) this.#log.error({ runnable: name, error: errorMessage(err) }, 'runnable failed');
    });
    let cancelGrace: () => void = () => undefined;
    let onAbort: () => void = () => undefined;
    const abandoned = new Promise<void>((resolve) => {
      onAbort = () => {
        cancelGrace = this.#clock.setTimer(RUNNABLE_STOP_GRACE_MS, () => {
          this.#log.warn({ runnable: name, graceMs: RUNNABLE_STOP_GRACE_MS }, 'runnable did not stop after the shutdown began; not waiting for it');
          resolve();
        });
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    await Promise.race([running, abandoned]);
    signal.removeEventListener('abort', onAbort);
    cancelGrace();
  }

  #scheduleResync(controller: Controller): void {
    const period = controller.resyncPeriodMs;
    if (!(period > 0) || !Number.isFinite(period) || this.#intake.signal.aborted) return;
    const cancel = this.#clock.setTimer(period, () => {
      this.#resyncCancels = this.#resyncCancels.filter((c) => c !== cancel);
      void this.#resync(controller).finally(() => this.#scheduleResync(controller));
    });
    this.#resyncCancels.push(cancel);
  }

  async #resync(controller: Controller): Promise<void> {
    try {
      const list = await this.#client.list(controller.kind);
      if (this.#intake.signal.aborted) return;
      for (const obj of list.items) controller.enqueue(objectKey(obj), 'resync');
    } catch (err) {
      this.#log.warn({ kind: controller.kind, error: errorMessage(err) }, 'resync list failed');
    }
  }

  async #shutDown(): Promise<void> {
    this.#intake.abort();
    for (const cancel of this.#resyncCancels) cancel();
    this.#resyncCancels = [];
    const inFlight = this.#controllers.reduce((n, c) => n + c.queue.processing(), 0);
    if (inFlight > 0) this.#log.info({ inFlight }, 'waiting for in-flight reconciles');
    const drained = Promise.all([...this.#controllers.map((c) => c.shutDown()), ...this.#informers]).then(() => true);
    let cancelDeadline: () => void = () => undefined;
    const deadline = new Promise<false>((resolve) => {
      cancelDeadline = this.#clock.setTimer(this.#stopTimeoutMs, () => resolve(false));
    });
    const finished = await Promise.race([drained, deadline]);
    cancelDeadline();
    if (!finished) {
      const still = this.#controllers.reduce((n, c) => n + c.queue.processing(), 0);
      this.#log.warn({ inFlight: still, stopTimeoutMs: this.#stopTimeoutMs }, 'shutdown deadline passed; aborting in-flight reconciles');
      this.#hurry.abort(new BoulderError('Timeout', 'controller manager is shutting down'));
    }
    for (const hook of this.#stopHooks) {
      await hook().catch((err: unknown) => this.#log.error({ error: errorMessage(err) }, 'stop hook failed'));
    }
    this.#state = 'stopped';
    this.#log.info({ graceful: finished }, 'manager stopped');
  }
}

function triggerOf(source: InformerSource): ReconcileTrigger {
  return source === 'initial' ? 'initial' : source === 'relist' ? 'resync' : 'watch';
}
