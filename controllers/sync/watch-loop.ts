/**
 * The engine's `watch` loop: endpoint hints → debounce (quiet period, capped; short for a lone
 * edit, longer within a burst) → a cycle scoped to
 * the hinted paths; a full cycle first, after every error, on overflow (too many hinted paths, a
 * hint without a path) and periodically as the safety net; a quick retry with back-off when a
 * cycle asks for one. Hints are untrusted: one that is not a safe relative path asks for a full
 * cycle, churn inside ignored trees is dropped.
 */
import { checkRelativePath } from '../fs/relative-path.ts';
import type { Clock } from '../runtime/clock.ts';
import type { Logger } from '../runtime/logger.ts';
import type { Endpoint, IgnoreMatcher } from './endpoint.ts';
import type { CycleResult, SyncSide, SyncTimings, WatchOptions } from './engine-api.ts';
import { SyncPausedError } from './errors.ts';
import type { Waker } from './waker.ts';

/** More hinted paths than this and the next cycle rescans everything. */
const MAX_DIRTY_PATHS = 1000;

/** Longest back-off between retries and after errors. */
const MAX_BACKOFF_MS = 5000;

/**
 * A hint batch is a lone edit when it names one path and no other hint came for this long before
 * it: its cycle waits only the short quiet period (`quickDebounceMs`).
 */
const LONE_EDIT_GAP_MS = 100;

/** Delay before restarting a hint stream that ended or failed. */
const HINT_RESTART_MS = 1000;

/** What a cycle rescans: undefined = everything; otherwise the hinted paths per side. */
export interface ScanScope {
  alpha: readonly string[];
  beta: readonly string[];
}

/** What the loop needs from the engine. */
export interface WatchHost {
  readonly clock: Clock;
  readonly waker: Waker;
  readonly ignore: IgnoreMatcher;
  readonly logger: Logger | undefined;
  readonly endpoints: Record<SyncSide, Endpoint>;
  /** True (once) when the engine asks for a full cycle (resume, reset). */
  takeForceFull(): boolean;
  /** True while paused or halted: the loop waits for a wake-up. */
  idle(): boolean;
  /** Runs one cycle, serialised with the engine's other cycles. */
  cycle(scope: ScanScope | undefined): Promise<CycleResult>;
}

/** Runs the loop until `signal` aborts (see the module comment). */
export async function runWatchLoop(host: WatchHost, signal: AbortSignal, timings: SyncTimings, options: WatchOptions): Promise<void> {
  const stop = new AbortController();
  const inner = AbortSignal.any([signal, stop.signal]);
  const loop = new WatchLoop(host, timings, options);
  const pumps = (['alpha', 'beta'] as const).map((side) => pumpHints(host, side, inner, (s, p) => loop.hint(s, p)));
  try {
    await loop.run(inner);
  } finally {
    stop.abort();
    await Promise.allSettled(pumps);
  }
}

class WatchLoop {
  readonly #host: WatchHost;
  readonly #options: WatchOptions;
  readonly #debounceMs: number;
  readonly #quickDebounceMs: number;
  readonly #maxDebounceMs: number;
  readonly #fullRescanMs: number;
  readonly #firstRetryMs: number;
  readonly #dirty = { alpha: new Set<string>(), beta: new Set<string>(), full: true };
  #firstHintAt: number | undefined;
  #lastHintAt = -Infinity;
  /** Whether the current batch started after a quiet gap (see LONE_EDIT_GAP_MS). */
  #afterQuiet = false;
  #retryDelay: number;
  #retryAt: number | undefined;
  #lastFullAt: number;

  constructor(host: WatchHost, timings: SyncTimings, options: WatchOptions) {
    this.#host = host;
    this.#options = options;
    this.#debounceMs = timings.debounceMs ?? 15;
    this.#quickDebounceMs = Math.min(this.#debounceMs, timings.quickDebounceMs ?? 2);
    this.#maxDebounceMs = timings.maxDebounceMs ?? 250;
    this.#fullRescanMs = timings.fullRescanIntervalMs ?? 5 * 60_000;
    this.#firstRetryMs = timings.retryDelayMs ?? 0;
    this.#retryDelay = this.#firstRetryMs;
    this.#lastFullAt = this.#now();
  }

  /** Records a hint (`path` undefined = anything may have changed) and wakes the loop. */
  hint(side: SyncSide, reported: string | undefined): void {
    // A hint is untrusted too: one that is not a safe relative path only asks for a full rescan.
    const path = reported !== undefined && checkRelativePath(reported) === undefined ? reported : undefined;
    // Churn inside ignored trees (node_modules, .git) never triggers a cycle.
    if (path !== undefined && this.#host.ignore.ignores(path, false) && this.#host.ignore.ignores(path, true)) return;
    const set = this.#dirty[side];
    if (path === undefined || set.size >= MAX_DIRTY_PATHS) this.#dirty.full = true;
    else set.add(path);
    const now = this.#now();
    if (this.#firstHintAt === undefined) {
      this.#firstHintAt = now;
      this.#afterQuiet = now - this.#lastHintAt >= LONE_EDIT_GAP_MS;
    }
    this.#lastHintAt = now;
    this.#host.waker.notify();
  }

  async run(signal: AbortSignal): Promise<void> {
    const { clock, waker } = this.#host;
    while (!signal.aborted) {
      if (this.#host.takeForceFull()) this.#dirty.full = true;
      if (this.#host.idle()) {
        await waker.wait(undefined, signal);
        continue;
      }
      const now = this.#now();
      const hinted = this.#dirty.alpha.size > 0 || this.#dirty.beta.size > 0;
      const retryDue = this.#retryAt !== undefined && now >= this.#retryAt;
      const periodicDue = now - this.#lastFullAt >= this.#fullRescanMs;
      if (!this.#dirty.full && !hinted && !retryDue && !periodicDue) {
        const until = Math.min(this.#lastFullAt + this.#fullRescanMs, this.#retryAt ?? Infinity) - now;
        await waker.wait(Math.max(0, until), signal);
        continue;
      }
      if (hinted && !this.#dirty.full && !retryDue && this.#firstHintAt !== undefined) {
        const wait = Math.min(this.#lastHintAt + this.#quietPeriod() - now, this.#firstHintAt + this.#maxDebounceMs - now);
        if (wait > 0) {
          await clock.sleep(wait, signal).catch(() => undefined);
          continue;
        }
      }
      await this.#cycle(this.#takeScope(now, this.#dirty.full || retryDue || periodicDue), signal);
    }
  }

  /**
   * How long the batch must be quiet before its cycle: the short period for a lone edit (one
   * path, after a quiet gap: an editor's save, a single write — its few events arrive within
   * microseconds), the regular one for anything that looks like a burst (more paths, or hints
   * still coming from the previous batch), so a checkout or a build is not cut into many cycles.
   */
  #quietPeriod(): number {
    const lone = this.#afterQuiet && this.#dirty.alpha.size + this.#dirty.beta.size === 1;
    return lone ? this.#quickDebounceMs : this.#debounceMs;
  }

  /** The scope of the next cycle (undefined = full); clears the dirty state. */
  #takeScope(now: number, full: boolean): ScanScope | undefined {
    const scope = full ? undefined : { alpha: [...this.#dirty.alpha], beta: [...this.#dirty.beta] };
    this.#dirty.alpha.clear();
    this.#dirty.beta.clear();
    this.#dirty.full = false;
    this.#firstHintAt = undefined;
    this.#retryAt = undefined;
    if (full) this.#lastFullAt = now;
    return scope;
  }

  async #cycle(scope: ScanScope | undefined, signal: AbortSignal): Promise<void> {
    try {
      const result = await this.#host.cycle(scope);
      this.#options.onCycle?.(result);
      if (result.retry) {
        this.#retryAt = this.#now() + this.#retryDelay;
        this.#retryDelay = Math.min(MAX_BACKOFF_MS, Math.max(50, this.#retryDelay * 2));
      } else {
        this.#retryDelay = this.#firstRetryMs;
      }
    } catch (err) {
      if (err instanceof SyncPausedError) return;
      this.#options.onError?.(err);
      const { alpha, beta } = this.#host.endpoints;
      this.#host.logger?.warn({ err, alpha: alpha.name, beta: beta.name }, 'sync cycle failed');
      this.#dirty.full = true;
      await this.#host.clock.sleep(this.#retryDelay, signal).catch(() => undefined);
      this.#retryDelay = Math.min(MAX_BACKOFF_MS, Math.max(100, this.#retryDelay * 2));
    }
  }

  #now(): number {
    return this.#host.clock.now().getTime();
  }
}

/** Feeds one endpoint's hints into `onHint` until `signal` aborts, restarting a failed stream. */
async function pumpHints(host: WatchHost, side: SyncSide, signal: AbortSignal, onHint: (side: SyncSide, path: string | undefined) => void): Promise<void> {
  const endpoint = host.endpoints[side];
  while (!signal.aborted) {
    try {
      for await (const hint of endpoint.watch(signal)) onHint(side, hint.path);
    } catch (err) {
      host.logger?.warn({ err, endpoint: endpoint.name }, 'change hints failed; rescanning');
    }
    if (signal.aborted) break;
    onHint(side, undefined);
    await host.clock.sleep(HINT_RESTART_MS, signal).catch(() => undefined);
  }
}
