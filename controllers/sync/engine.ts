/**
 * The sync engine: cycles of scan (both sides in parallel) → listing and safety checks → three-way
 * reconciliation against the persisted ancestor → checked operations on both sides in parallel →
 * fold what really happened into the ancestor → save it. A cycle triggered by hints reconciles
 * only the hinted, changed and unsettled paths (scope.ts, cycle-memory.ts); `watch`
 * (watch-loop.ts) drives cycles from endpoint hints, with a periodic full cycle as the safety net.
 * See controllers/sync/README.md.
 */
import { BoulderError, NotFoundError } from '../../apis/errors.ts';
import { realClock, type Clock } from '../runtime/clock.ts';
import type { Logger } from '../runtime/logger.ts';
import type { Endpoint, OperationResult, ReadonlySnapshot, ScanResult, Snapshot } from './endpoint.ts';
import type {
  Conflict,
  ConflictStrategy,
  CycleResult,
  Halt,
  SyncEngine,
  SyncEngineOptions,
  SyncEngineStatus,
  SyncMode,
  SyncProblem,
  SyncSide,
  WatchOptions,
} from './engine-api.ts';
import { SyncPausedError } from './errors.ts';
import { CycleMemory, type ListingDiffs } from './cycle-memory.ts';
import { applyPlan, collectApplyProblems, emptyContents, planBoth, snapshotsEqual, unsettledPaths, type Plans } from './cycle-steps.ts';
import { foldResults } from './fold.ts';
import { createIgnoreMatcher } from './ignore.ts';
import { checkListing, checkListingChanges } from './listing-check.ts';
import { reconcile, type ReconcileResult, type ReconcileSide } from './reconcile.ts';
import { emptiedHalt, scanHalt, unsafePathHalt, type ScannedSides } from './safety.ts';
import { cutTree, mergeCut } from './scope.ts';
import { indexSnapshot, type IndexedSnapshot } from './tree.ts';
import { Waker } from './waker.ts';
import { runWatchLoop, type ScanScope } from './watch-loop.ts';

/** The trees one cycle reconciles: everything, or the roots' cut (scope.ts). */
interface Trees {
  /** undefined = the whole trees. */
  roots: string[] | undefined;
  ancestor: ReadonlySnapshot;
  alpha: ReadonlySnapshot;
  beta: ReadonlySnapshot;
}
/** Creates a sync engine between two endpoints (see `SyncEngine`). */
export function createSyncEngine(options: SyncEngineOptions): SyncEngine {
  const mode: SyncMode = options.mode ?? 'two-way-safe';
  const conflict: ConflictStrategy = options.conflict ?? 'manual';
  if (mode === 'two-way-resolved' && conflict === 'container-wins') {
    throw new BoulderError('Invalid', 'mode two-way-resolved makes the host win every conflict; conflict: container-wins contradicts it');
  }
  return new Engine(options, mode, conflict);
}

class Engine implements SyncEngine {
  readonly #alpha: Endpoint;
  readonly #beta: Endpoint;
  readonly #mode: SyncMode;
  readonly #strategy: ConflictStrategy;
  readonly #options: SyncEngineOptions;
  readonly #ignore;
  readonly #clock: Clock;
  readonly #logger: Logger | undefined;
  readonly #threshold: number;

  #ancestor: Snapshot | undefined;
  #paused = false;
  #halt: Halt | undefined;
  #conflicts: Conflict[] = [];
  #resolutions = new Map<string, SyncSide>();
  #tail: Promise<unknown> = Promise.resolve();
  #activity: SyncEngineStatus['activity'] = 'idle';
  #lastResult: CycleResult | undefined;
  #bytesTransferred = 0;
  #errorCount = 0;
  #warned = new Set<string>();
  #waker: Waker;
  #forceFull = false;
  #watchers = new Set<AbortController>();
  readonly #memory = new CycleMemory();

  constructor(options: SyncEngineOptions, mode: SyncMode, strategy: ConflictStrategy) {
    this.#options = options;
    this.#alpha = options.alpha;
    this.#beta = options.beta;
    this.#mode = mode;
    this.#strategy = strategy;
    this.#ignore = createIgnoreMatcher(options.ignores ?? [], { defaults: options.defaultIgnores !== false });
    this.#clock = options.clock ?? realClock;
    this.#logger = options.logger;
    this.#threshold = options.rootEmptiedThreshold ?? 2;
    this.#waker = new Waker(this.#clock);
  }

  runCycle(): Promise<CycleResult> {
    return this.#exclusive(() => this.#cycle(undefined));
  }

  flush(): Promise<CycleResult> {
    return this.#exclusive(() => this.#cycle(undefined));
  }

  async pause(): Promise<void> {
    this.#paused = true;
    await this.#tail.catch(() => undefined);
  }

  resume(): void {
    this.#paused = false;
    this.#halt = undefined;
    this.#forceFull = true;
    this.#waker.notify();
  }

  async resolve(path: string, keep: SyncSide): Promise<CycleResult> {
    if (!this.#conflicts.some((c) => c.path === path)) throw new NotFoundError(`no conflict is listed at ${JSON.stringify(path)}`);
    return this.#exclusive(() => {
      this.#resolutions.set(path, keep);
      return this.#cycle(undefined);
    });
  }

  reset(): Promise<void> {
    return this.#exclusive(async () => {
      await this.#options.ancestorStore.clear();
      this.#ancestor = new Map();
      this.#halt = undefined;
      this.#conflicts = [];
      this.#resolutions.clear();
      this.#memory.forget();
      this.#forceFull = true;
      this.#waker.notify();
    });
  }

  status(): SyncEngineStatus {
    return {
      activity: this.#activity,
      paused: this.#paused,
      ...(this.#halt === undefined ? {} : { halted: this.#halt }),
      ...(this.#lastResult === undefined ? {} : { lastResult: this.#lastResult }),
      conflicts: this.#conflicts,
      bytesTransferred: this.#bytesTransferred,
      errorCount: this.#errorCount,
    };
  }

  async close(): Promise<void> {
    for (const controller of this.#watchers) controller.abort();
    await this.#tail.catch(() => undefined);
    await Promise.all([this.#alpha.close(), this.#beta.close()]);
  }

  async watch(signal: AbortSignal, options: WatchOptions = {}): Promise<void> {
    const controller = new AbortController();
    this.#watchers.add(controller);
    const host = {
      clock: this.#clock,
      waker: this.#waker,
      ignore: this.#ignore,
      logger: this.#logger,
      endpoints: { alpha: this.#alpha, beta: this.#beta },
      takeForceFull: (): boolean => {
        const force = this.#forceFull;
        this.#forceFull = false;
        return force;
      },
      idle: (): boolean => this.#paused || this.#halt !== undefined,
      cycle: (scope: ScanScope | undefined): Promise<CycleResult> => this.#exclusive(() => this.#cycle(scope)),
    };
    try {
      await runWatchLoop(host, AbortSignal.any([signal, controller.signal]), this.#options.timings ?? {}, options);
    } finally {
      controller.abort();
      this.#watchers.delete(controller);
    }
  }

  #exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(task, task);
    this.#tail = run.catch(() => undefined);
    return run;
  }

  async #loadAncestor(): Promise<Snapshot> {
    if (this.#ancestor === undefined) {
      const record = await this.#options.ancestorStore.load();
      this.#ancestor = new Map(record?.entries ?? []);
    }
    return this.#ancestor;
  }

  /** One cycle; `hinted` = the paths hints named (a scoped cycle), undefined = everything. */
  async #cycle(hinted: ScanScope | undefined): Promise<CycleResult> {
    const started = performance.now();
    if (this.#paused) throw new SyncPausedError();
    if (this.#halt !== undefined) return this.#haltedResult(this.#halt, started, []);
    const memory = this.#memory;
    const scanPaths = memory.scanPaths(hinted);
    try {
      this.#activity = 'scanning';
      const ancestor = await this.#loadAncestor();
      const sides = await this.#scanBoth(scanPaths, hinted);
      const diffs = scanPaths === undefined ? undefined : memory.diff(sides.alpha.scan, sides.beta.scan);
      // Listings are untrusted input: checked before anything is reconciled, planned or applied.
      const unsafe = this.#checkListings(sides, diffs);
      if (unsafe !== undefined) return this.#enterHalt(unsafe, started, []);
      const problems: SyncProblem[] = [
        ...sides.alpha.scan.problems.map((p) => ({ ...p, side: 'alpha' as const })),
        ...sides.beta.scan.problems.map((p) => ({ ...p, side: 'beta' as const })),
      ];
      this.#warnProblems(problems);
      const preHalt = scanHalt(sides, ancestor, this.#options.limits?.maxEntryCount);
      if (preHalt !== undefined) return this.#enterHalt(preHalt, started, problems);
      for (const side of ['alpha', 'beta'] as const) {
        if (sides[side].scan.root === 'absent') sides[side].scan = await this.#createRoot(side === 'alpha' ? this.#alpha : this.#beta, sides[side].scan);
      }
      const emptied = emptiedHalt(sides, ancestor, this.#threshold);
      if (emptied !== undefined) return this.#enterHalt(emptied, started, problems);
      const { entries: alpha } = sides.alpha.scan;
      const { entries: beta } = sides.beta.scan;
      const roots = scanPaths === undefined || diffs === undefined ? undefined : memory.roots(scanPaths, diffs, alpha, beta);
      const filesTotal = memory.filesTotal(alpha, beta, diffs);
      return await this.#reconcileAndApply(this.#trees(roots, ancestor, sides), sides, { problems, started, filesTotal });
    } catch (err) {
      memory.forget();
      this.#errorCount++;
      throw err;
    } finally {
      this.#activity = 'idle';
    }
  }

  /** Scans both sides: everything, or `subtrees` (each side told which of them its own hints named). */
  async #scanBoth(subtrees: readonly string[] | undefined, hinted: ScanScope | undefined): Promise<ScannedSides> {
    const maxEntries = this.#options.limits?.maxEntryCount;
    const request = { ignore: this.#ignore, ...(maxEntries === undefined ? {} : { maxEntries }) };
    const scoped = (side: SyncSide) => (subtrees === undefined ? request : { ...request, subtrees, hinted: hinted?.[side] ?? [] });
    const [alpha, beta] = await Promise.all([this.#alpha.scan(scoped('alpha')), this.#beta.scan(scoped('beta'))]);
    return { alpha: { scan: alpha, name: this.#alpha.name }, beta: { scan: beta, name: this.#beta.name } };
  }

  /** The `unsafe-path` halt for the first side whose listing fails the check (only its changes, when `diffs` allow). */
  #checkListings(sides: ScannedSides, diffs: ListingDiffs | undefined): Halt | undefined {
    for (const side of ['alpha', 'beta'] as const) {
      const { scan, name } = sides[side];
      const quick = diffs === undefined ? 'full' : checkListingChanges(scan, diffs[side]);
      const issue = quick === 'full' ? checkListing(scan) : quick;
      if (issue !== undefined) return unsafePathHalt(side, name, issue);
    }
    return undefined;
  }

  /** The trees to reconcile: whole, or cut to `roots` (scope.ts). */
  #trees(roots: string[] | undefined, ancestor: Snapshot, sides: ScannedSides): Trees {
    const alpha = sides.alpha.scan.entries;
    const beta = sides.beta.scan.entries;
    if (roots === undefined) return { roots, ancestor, alpha, beta };
    return { roots, ancestor: cutTree(ancestor, roots), alpha: cutTree(alpha, roots), beta: cutTree(beta, roots) };
  }

  /** Reconcile → plan → apply on both sides → fold → save; remembers the cycle for the next scoped one. */
  async #reconcileAndApply(trees: Trees, sides: ScannedSides, cycle: { problems: SyncProblem[]; started: number; filesTotal: number }): Promise<CycleResult> {
    const { problems, started, filesTotal } = cycle;
    const ancestorIndex = indexSnapshot(trees.ancestor);
    const reconciled = this.#reconcile(ancestorIndex, trees, sides);
    const targets = { alpha: sides.alpha.scan.entries, beta: sides.beta.scan.entries };
    const plans = planBoth(reconciled, targets, this.#options.limits?.maxStagingSize, problems);
    this.#activity = 'applying';
    const [alphaOutcome, betaOutcome] = await Promise.allSettled([applyPlan(this.#alpha, this.#beta, plans.alpha), applyPlan(this.#beta, this.#alpha, plans.beta)]);
    const results = {
      alpha: alphaOutcome.status === 'fulfilled' ? alphaOutcome.value : undefined,
      beta: betaOutcome.status === 'fulfilled' ? betaOutcome.value : undefined,
    };
    const applied = this.#fold(ancestorIndex, reconciled, plans, results, problems);
    await this.#persist(trees, reconciled.ancestor);
    this.#conflicts = reconciled.conflicts;
    const bytes = (results.alpha === undefined ? 0 : plans.alpha.bytes) + (results.beta === undefined ? 0 : plans.beta.bytes);
    this.#bytesTransferred += bytes;
    const failure = alphaOutcome.status === 'rejected' ? alphaOutcome.reason : betaOutcome.status === 'rejected' ? betaOutcome.reason : undefined;
    if (failure !== undefined) throw failure;
    this.#memory.remember(targets.alpha, targets.beta, filesTotal, unsettledPaths(reconciled, plans, results));
    const result: CycleResult = {
      changesApplied: applied.changes,
      bytesTransferred: bytes,
      conflicts: reconciled.conflicts,
      problems,
      filesTotal,
      filesSynced: (this.#ancestor as Snapshot).size,
      durationMs: performance.now() - started,
      retry: applied.refused > 0 || problems.some((p) => p.reason === 'changed-during-scan'),
    };
    this.#lastResult = result;
    if (result.changesApplied > 0 || result.conflicts.length > 0) {
      this.#logger?.debug(
        { changes: result.changesApplied, bytes, conflicts: result.conflicts.length, ms: Math.round(result.durationMs), roots: trees.roots?.length ?? 'all' },
        'sync cycle applied changes',
      );
    }
    return result;
  }

  #reconcile(ancestor: IndexedSnapshot, trees: Trees, sides: ScannedSides): ReconcileResult {
    const side = (tree: ReadonlySnapshot, scan: ScanResult): ReconcileSide => {
      const problemPaths = new Set(scan.problems.map((p) => p.path));
      return { tree: indexSnapshot(tree), problems: problemPaths, untracked: new Set([...scan.ignored, ...problemPaths]) };
    };
    const reconciled = reconcile({
      ancestor,
      alpha: side(trees.alpha, sides.alpha.scan),
      beta: side(trees.beta, sides.beta.scan),
      mode: this.#mode,
      conflict: this.#strategy,
      resolutions: this.#resolutions,
    });
    this.#resolutions.clear();
    return reconciled;
  }

  /** Folds what each side really applied into `reconciled.ancestor`; counts applied and refused operations. */
  #fold(
    ancestor: IndexedSnapshot,
    reconciled: ReconcileResult,
    plans: Plans,
    results: Record<SyncSide, readonly OperationResult[] | undefined>,
    problems: SyncProblem[],
  ): { changes: number; refused: number } {
    const next = reconciled.ancestor;
    const alpha = foldResults(next, ancestor, reconciled.alphaChanges, plans.alpha.ops, plans.alpha.owners, results.alpha);
    const beta = foldResults(next, ancestor, reconciled.betaChanges, plans.beta.ops, plans.beta.owners, results.beta);
    collectApplyProblems(problems, 'alpha', plans.alpha, results.alpha);
    collectApplyProblems(problems, 'beta', plans.beta, results.beta);
    return { changes: alpha.applied + beta.applied, refused: alpha.refused + beta.refused };
  }

  /** Makes `next` (the reconciled and folded trees) the ancestor and saves it when it changed. */
  async #persist(trees: Trees, next: Snapshot): Promise<void> {
    const ancestor = this.#ancestor as Snapshot;
    if (trees.roots === undefined) {
      if (!snapshotsEqual(next, ancestor)) await this.#options.ancestorStore.save({ entries: next });
      this.#ancestor = next;
      return;
    }
    // Scoped: only the cut changed; the whole ancestor is updated in place, then saved (the store
    // is told which paths changed since it saved this map).
    const changed = new Set<string>();
    if (mergeCut(ancestor, trees.ancestor, next, changed)) await this.#options.ancestorStore.save({ entries: ancestor, changed });
  }

  async #createRoot(endpoint: Endpoint, scan: ScanResult): Promise<ScanResult> {
    const [result] = await endpoint.apply([{ op: 'mkdir', path: '' }], emptyContents());
    if (result?.status !== 'ok') throw new BoulderError('Unavailable', `could not create the sync root of ${endpoint.name}: ${result?.status === undefined ? 'no result' : result.message}`);
    this.#logger?.info({ endpoint: endpoint.name }, 'created the sync root');
    return { ...scan, root: 'directory' };
  }

  #enterHalt(halt: Halt, started: number, problems: SyncProblem[]): CycleResult {
    this.#halt = halt;
    this.#memory.forget();
    this.#logger?.warn({ reason: halt.reason, side: halt.side }, halt.message);
    return this.#haltedResult(halt, started, problems);
  }

  #haltedResult(halt: Halt, started: number, problems: SyncProblem[]): CycleResult {
    const result: CycleResult = {
      changesApplied: 0,
      bytesTransferred: 0,
      conflicts: this.#conflicts,
      problems,
      halted: halt,
      filesTotal: this.#lastResult?.filesTotal ?? 0,
      filesSynced: this.#ancestor?.size ?? 0,
      durationMs: performance.now() - started,
      retry: false,
    };
    this.#lastResult = result;
    return result;
  }

  #warnProblems(problems: readonly SyncProblem[]): void {
    if (this.#logger === undefined) return;
    for (const problem of problems) {
      if (problem.reason === 'changed-during-scan') continue;
      const key = `${problem.side}:${problem.path}:${problem.reason}`;
      if (this.#warned.has(key)) continue;
      if (this.#warned.size > 10_000) this.#warned.clear();
      this.#warned.add(key);
      this.#logger.warn({ side: problem.side, path: problem.path, reason: problem.reason }, `not synchronised: ${problem.message}`);
    }
  }
}
