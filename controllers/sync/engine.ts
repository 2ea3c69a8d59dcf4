/**
 * The sync engine: cycles of scan (both sides in parallel) → safety checks → three-way
 * reconciliation against the persisted ancestor → checked operations on both sides in parallel →
 * fold what really happened into the ancestor → save it. `watch` drives cycles from endpoint hints
 * (debounced, accelerated rescans of the hinted subtrees), with a periodic full rescan and quick
 * retries when something changed underneath. See controllers/sync/README.md.
 */
import { BoulderError, NotFoundError } from '../../apis/errors.ts';
import { realClock, type Clock } from '../runtime/clock.ts';
import type { Logger } from '../runtime/logger.ts';
import type { Endpoint, FileContent, OperationResult, ScanResult, Snapshot } from './endpoint.ts';
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
import { foldResults } from './fold.ts';
import { checkRelativePath } from '../fs/relative-path.ts';
import { createIgnoreMatcher } from './ignore.ts';
import { checkListing } from './listing-check.ts';
import { planSide, type SidePlan } from './plan.ts';
import { reconcile, type ReconcileSide } from './reconcile.ts';
import { indexSnapshot } from './tree.ts';
import { Waker } from './waker.ts';

/** More hinted paths than this and the next cycle rescans everything. */
const MAX_DIRTY_PATHS = 1000;

/** Longest back-off between retries and after errors. */
const MAX_BACKOFF_MS = 5000;

/** Delay before restarting a hint stream that ended or failed. */
const HINT_RESTART_MS = 1000;

/** What a cycle rescans: undefined = everything; otherwise the hinted subtrees per side. */
interface ScanScope {
  alpha?: readonly string[];
  beta?: readonly string[];
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
    const inner = AbortSignal.any([signal, controller.signal]);
    const timings = this.#options.timings ?? {};
    const debounceMs = timings.debounceMs ?? 15;
    const maxDebounceMs = timings.maxDebounceMs ?? 250;
    const fullRescanMs = timings.fullRescanIntervalMs ?? 5 * 60_000;
    const firstRetryMs = timings.retryDelayMs ?? 0;
    const dirty = { alpha: new Set<string>(), beta: new Set<string>(), full: true };
    let firstHintAt: number | undefined;
    let lastHintAt = 0;
    let retryDelay = firstRetryMs;
    let retryAt: number | undefined;
    let lastFullAt = this.#now();
    const onHint = (side: SyncSide, reported: string | undefined): void => {
      // A hint is untrusted too: one that is not a safe relative path only asks for a full rescan.
      const path = reported !== undefined && checkRelativePath(reported) === undefined ? reported : undefined;
      // Churn inside ignored trees (node_modules, .git) never triggers a cycle.
      if (path !== undefined && this.#ignore.ignores(path, false) && this.#ignore.ignores(path, true)) return;
      const set = dirty[side];
      if (path === undefined || set.size >= MAX_DIRTY_PATHS) dirty.full = true;
      else set.add(path);
      const now = this.#now();
      firstHintAt ??= now;
      lastHintAt = now;
      this.#waker.notify();
    };
    const pumps = (['alpha', 'beta'] as const).map((side) => this.#pumpHints(side, inner, onHint));
    try {
      while (!inner.aborted) {
        if (this.#forceFull) {
          this.#forceFull = false;
          dirty.full = true;
        }
        if (this.#paused || this.#halt !== undefined) {
          await this.#waker.wait(undefined, inner);
          continue;
        }
        const now = this.#now();
        const hinted = dirty.alpha.size > 0 || dirty.beta.size > 0;
        const retryDue = retryAt !== undefined && now >= retryAt;
        const periodicDue = now - lastFullAt >= fullRescanMs;
        if (!dirty.full && !hinted && !retryDue && !periodicDue) {
          const until = Math.min(lastFullAt + fullRescanMs, retryAt ?? Infinity) - now;
          await this.#waker.wait(Math.max(0, until), inner);
          continue;
        }
        if (hinted && !dirty.full && !retryDue && firstHintAt !== undefined) {
          const quietLeft = lastHintAt + debounceMs - now;
          const capLeft = firstHintAt + maxDebounceMs - now;
          const wait = Math.min(quietLeft, capLeft);
          if (wait > 0) {
            await this.#clock.sleep(wait, inner).catch(() => undefined);
            continue;
          }
        }
        const full = dirty.full || retryDue || periodicDue;
        const scope: ScanScope | undefined = full ? undefined : { alpha: [...dirty.alpha], beta: [...dirty.beta] };
        dirty.alpha.clear();
        dirty.beta.clear();
        dirty.full = false;
        firstHintAt = undefined;
        retryAt = undefined;
        if (full) lastFullAt = now;
        try {
          const result = await this.#exclusive(() => this.#cycle(scope));
          options.onCycle?.(result);
          if (result.retry) {
            retryAt = this.#now() + retryDelay;
            retryDelay = Math.min(MAX_BACKOFF_MS, Math.max(50, retryDelay * 2));
          } else {
            retryDelay = firstRetryMs;
          }
        } catch (err) {
          if (err instanceof SyncPausedError) continue;
          options.onError?.(err);
          this.#logger?.warn({ err, alpha: this.#alpha.name, beta: this.#beta.name }, 'sync cycle failed');
          dirty.full = true;
          await this.#clock.sleep(retryDelay, inner).catch(() => undefined);
          retryDelay = Math.min(MAX_BACKOFF_MS, Math.max(100, retryDelay * 2));
        }
      }
    } finally {
      controller.abort();
      this.#watchers.delete(controller);
      await Promise.allSettled(pumps);
    }
  }

  /** Feeds one endpoint's hints into `onHint` until `signal` aborts, restarting a failed stream. */
  async #pumpHints(side: SyncSide, signal: AbortSignal, onHint: (side: SyncSide, path: string | undefined) => void): Promise<void> {
    const endpoint = side === 'alpha' ? this.#alpha : this.#beta;
    while (!signal.aborted) {
      try {
        for await (const hint of endpoint.watch(signal)) onHint(side, hint.path);
      } catch (err) {
        this.#logger?.warn({ err, endpoint: endpoint.name }, 'change hints failed; rescanning');
      }
      if (signal.aborted) break;
      onHint(side, undefined);
      await this.#clock.sleep(HINT_RESTART_MS, signal).catch(() => undefined);
    }
  }

  #now(): number {
    return this.#clock.now().getTime();
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

  async #cycle(scope: ScanScope | undefined): Promise<CycleResult> {
    const started = performance.now();
    if (this.#paused) throw new SyncPausedError();
    if (this.#halt !== undefined) return this.#haltedResult(this.#halt, started, []);
    try {
      this.#activity = 'scanning';
      const ancestor = await this.#loadAncestor();
      const maxEntries = this.#options.limits?.maxEntryCount;
      const scanOf = (endpoint: Endpoint, subtrees: readonly string[] | undefined): Promise<ScanResult> =>
        endpoint.scan({ ignore: this.#ignore, ...(maxEntries === undefined ? {} : { maxEntries }), ...(subtrees === undefined ? {} : { subtrees }) });
      let [alphaScan, betaScan] = await Promise.all([scanOf(this.#alpha, scope?.alpha), scanOf(this.#beta, scope?.beta)]);
      // Listings are untrusted input: checked before anything is reconciled, planned or applied.
      const unsafe = this.#checkListings(alphaScan, betaScan);
      if (unsafe !== undefined) return this.#enterHalt(unsafe, started, []);
      const problems: SyncProblem[] = [
        ...alphaScan.problems.map((p) => ({ ...p, side: 'alpha' as const })),
        ...betaScan.problems.map((p) => ({ ...p, side: 'beta' as const })),
      ];
      this.#warnProblems(problems);

      const preHalt = this.#checkScans(alphaScan, betaScan, ancestor);
      if (preHalt !== undefined) return this.#enterHalt(preHalt, started, problems);
      if (alphaScan.root === 'absent') alphaScan = await this.#createRoot(this.#alpha, alphaScan);
      if (betaScan.root === 'absent') betaScan = await this.#createRoot(this.#beta, betaScan);
      const emptied = this.#checkEmptied(alphaScan, betaScan, ancestor);
      if (emptied !== undefined) return this.#enterHalt(emptied, started, problems);

      const ancestorIndex = indexSnapshot(ancestor);
      const side = (scan: ScanResult): ReconcileSide => {
        const problemPaths = new Set(scan.problems.map((p) => p.path));
        return { tree: indexSnapshot(scan.entries), problems: problemPaths, untracked: new Set([...scan.ignored, ...problemPaths]) };
      };
      const alphaSide = side(alphaScan);
      const betaSide = side(betaScan);
      const reconciled = reconcile({
        ancestor: ancestorIndex,
        alpha: alphaSide,
        beta: betaSide,
        mode: this.#mode,
        conflict: this.#strategy,
        resolutions: this.#resolutions,
      });
      this.#resolutions.clear();

      const maxFileSize = this.#options.limits?.maxStagingSize;
      const sizeLimit = maxFileSize === undefined ? {} : { maxFileSize };
      const alphaPlan = planSide(reconciled.alphaChanges, { target: alphaScan.entries, ...sizeLimit });
      const betaPlan = planSide(reconciled.betaChanges, { target: betaScan.entries, ...sizeLimit });
      for (const [plan, target] of [[alphaPlan, 'alpha'], [betaPlan, 'beta']] as const) {
        for (const big of plan.tooLarge) {
          problems.push({
            path: big.path,
            side: target === 'alpha' ? 'beta' : 'alpha',
            reason: 'too-large',
            message: `${big.size} bytes exceeds maxStagingSize (${maxFileSize}); not transferred`,
          });
        }
      }

      this.#activity = 'applying';
      const [alphaOutcome, betaOutcome] = await Promise.allSettled([
        this.#applyPlan(this.#alpha, this.#beta, alphaPlan),
        this.#applyPlan(this.#beta, this.#alpha, betaPlan),
      ]);
      const alphaResults = alphaOutcome.status === 'fulfilled' ? alphaOutcome.value : undefined;
      const betaResults = betaOutcome.status === 'fulfilled' ? betaOutcome.value : undefined;
      const next = reconciled.ancestor;
      const alphaSummary = foldResults(next, ancestorIndex, reconciled.alphaChanges, alphaPlan.ops, alphaPlan.owners, alphaResults);
      const betaSummary = foldResults(next, ancestorIndex, reconciled.betaChanges, betaPlan.ops, betaPlan.owners, betaResults);
      this.#collectApplyProblems(problems, 'alpha', alphaPlan, alphaResults);
      this.#collectApplyProblems(problems, 'beta', betaPlan, betaResults);
      if (!snapshotsEqual(next, ancestor)) {
        await this.#options.ancestorStore.save({ entries: next });
      }
      this.#ancestor = next;
      this.#conflicts = reconciled.conflicts;
      const bytes = (alphaResults === undefined ? 0 : alphaPlan.bytes) + (betaResults === undefined ? 0 : betaPlan.bytes);
      this.#bytesTransferred += bytes;
      const failure = alphaOutcome.status === 'rejected' ? alphaOutcome.reason : betaOutcome.status === 'rejected' ? betaOutcome.reason : undefined;
      if (failure !== undefined) throw failure;
      const result: CycleResult = {
        changesApplied: alphaSummary.applied + betaSummary.applied,
        bytesTransferred: bytes,
        conflicts: reconciled.conflicts,
        problems,
        filesTotal: unionSize(alphaScan.entries, betaScan.entries),
        filesSynced: next.size,
        durationMs: performance.now() - started,
        retry: alphaSummary.refused + betaSummary.refused > 0 || problems.some((p) => p.reason === 'changed-during-scan'),
      };
      this.#lastResult = result;
      if (result.changesApplied > 0 || result.conflicts.length > 0) {
        this.#logger?.debug(
          { changes: result.changesApplied, bytes, conflicts: result.conflicts.length, ms: Math.round(result.durationMs) },
          'sync cycle applied changes',
        );
      }
      return result;
    } catch (err) {
      this.#errorCount++;
      throw err;
    } finally {
      this.#activity = 'idle';
    }
  }

  /** Streams the plan's reads from `source` into `target.apply`; empty plans cost nothing. */
  async #applyPlan(target: Endpoint, source: Endpoint, plan: SidePlan): Promise<OperationResult[]> {
    if (plan.ops.length === 0) return [];
    const contents: AsyncIterable<FileContent> = plan.reads.length === 0 ? emptyContents() : source.readFiles(plan.reads);
    return target.apply(plan.ops, contents);
  }

  #collectApplyProblems(problems: SyncProblem[], side: SyncSide, plan: SidePlan, results: readonly OperationResult[] | undefined): void {
    if (results === undefined) return;
    results.forEach((result, i) => {
      if (result.status === 'ok') return;
      const op = plan.ops[i];
      if (op === undefined) return;
      problems.push({
        path: op.path,
        side,
        reason: result.status === 'failed' ? 'apply-failed' : 'changed-during-transfer',
        message: `${op.op}: ${result.message}`,
      });
    });
  }

  /** The `unsafe-path` halt for the first side whose listing fails `checkListing`. */
  #checkListings(alpha: ScanResult, beta: ScanResult): Halt | undefined {
    for (const [side, scan, endpoint] of [['alpha', alpha, this.#alpha], ['beta', beta, this.#beta]] as const) {
      const issue = checkListing(scan);
      if (issue === undefined) continue;
      return {
        reason: 'unsafe-path',
        side,
        path: issue.path,
        code: issue.code,
        message:
          `${side} (${endpoint.name}) reported an unsafe path (${issue.code}) ${issue.message}; nothing was synchronised on either side. ` +
          'Remove or rename that entry, then resume the session.',
      };
    }
    return undefined;
  }

  /** Halts that depend on the scans alone (limits, root state). */
  #checkScans(alpha: ScanResult, beta: ScanResult, ancestor: Snapshot): Halt | undefined {
    const max = this.#options.limits?.maxEntryCount;
    for (const [side, scan, endpoint] of [['alpha', alpha, this.#alpha], ['beta', beta, this.#beta]] as const) {
      if (scan.limitExceeded) {
        return {
          reason: 'max-entry-count',
          side,
          message: `${side} (${endpoint.name}) holds more than ${max} entries (maxEntryCount); nothing was synchronised. Exclude generated directories or raise the limit, then resume.`,
        };
      }
      if (scan.root === 'not-directory') {
        return {
          reason: 'root-type-changed',
          side,
          message: `${side} root (${endpoint.name}) is no longer a directory; nothing was propagated. Restore the directory, then resume (or reset).`,
        };
      }
      if (scan.root === 'absent' && ancestor.size > 0) {
        return {
          reason: 'root-deleted',
          side,
          message: `${side} root (${endpoint.name}) no longer exists; nothing was propagated (its deletion is not copied to the other side). Recreate it and reset the session to copy the other side's content back, or resume once it is back.`,
        };
      }
    }
    return undefined;
  }

  /** The root-emptied safety halt (Mutagen's rule: ≥ threshold top-level entries → one side empty). */
  #checkEmptied(alpha: ScanResult, beta: ScanResult, ancestor: Snapshot): Halt | undefined {
    let topLevel = 0;
    for (const path of ancestor.keys()) if (!path.includes('/')) topLevel++;
    if (topLevel < this.#threshold) return undefined;
    const empty = (scan: ScanResult): boolean => scan.entries.size === 0 && scan.problems.length === 0;
    const alphaEmpty = empty(alpha);
    const betaEmpty = empty(beta);
    if (alphaEmpty === betaEmpty) return undefined;
    const side: SyncSide = alphaEmpty ? 'alpha' : 'beta';
    const other: SyncSide = alphaEmpty ? 'beta' : 'alpha';
    const endpoint = alphaEmpty ? this.#alpha : this.#beta;
    return {
      reason: 'root-emptied',
      side,
      message:
        `${side} (${endpoint.name}) is now empty although ${ancestor.size} entries were in sync (a re-created container or a wiped directory?); ` +
        `nothing was propagated. To copy ${other}'s content back, reset the session; to really delete everything, empty ${other} too and resume.`,
    };
  }

  async #createRoot(endpoint: Endpoint, scan: ScanResult): Promise<ScanResult> {
    const [result] = await endpoint.apply([{ op: 'mkdir', path: '' }], emptyContents());
    if (result?.status !== 'ok') throw new BoulderError('Unavailable', `could not create the sync root of ${endpoint.name}: ${result?.status === undefined ? 'no result' : result.message}`);
    this.#logger?.info({ endpoint: endpoint.name }, 'created the sync root');
    return { ...scan, root: 'directory' };
  }

  #enterHalt(halt: Halt, started: number, problems: SyncProblem[]): CycleResult {
    this.#halt = halt;
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

async function* emptyContents(): AsyncIterable<FileContent> {
  // yields nothing
}

/** True when two snapshots hold the same paths with equal entries (mtimes ignored). */
function snapshotsEqual(a: Snapshot, b: Snapshot): boolean {
  if (a.size !== b.size) return false;
  for (const [path, entry] of a) {
    const other = b.get(path);
    if (other === undefined || other.kind !== entry.kind) return false;
    if (entry.kind === 'file' && other.kind === 'file' && (entry.digest !== other.digest || entry.executable !== other.executable || entry.size !== other.size)) return false;
    if (entry.kind === 'symlink' && other.kind === 'symlink' && entry.target !== other.target) return false;
  }
  return true;
}

function unionSize(a: Snapshot, b: Snapshot): number {
  let count = a.size;
  for (const path of b.keys()) if (!a.has(path)) count++;
  return count;
}
