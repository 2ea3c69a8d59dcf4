/**
 * A keyed work queue with client-go semantics: a key waits at most once (dedupe), a key being
 * processed is never handed out again until `done` is called for it (an add meanwhile marks it
 * dirty and re-queues it on `done`), delayed adds go through the injected clock, and failed keys
 * are retried with per-key exponential backoff.
 */
import { createItemBackoff, type BackoffOptions, type ItemBackoff } from './backoff.ts';
import type { Clock } from './clock.ts';

/** A key scheduled for a later add. */
export interface DelayedItem {
  key: string;
  /** When the key will be added, in epoch ms of the queue's clock. */
  dueAt: number;
  /** True when scheduled by `addRateLimited` (a retry), false for a plain `addAfter`. */
  rateLimited: boolean;
}

/** Options of a work queue. */
export interface WorkQueueOptions {
  clock: Clock;
  /** Backoff used by `addRateLimited` (default: 100 ms doubling to 60 s, ±20 % jitter). */
  backoff?: ItemBackoff | BackoffOptions;
}

interface Delayed extends DelayedItem {
  cancel: () => void;
}

/** Keyed work queue; see the module comment for its semantics. */
export class WorkQueue {
  readonly #clock: Clock;
  readonly #backoff: ItemBackoff;
  #queue: string[] = [];
  readonly #dirty = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #delayed = new Map<string, Delayed>();
  #waiters: ((key: string | undefined) => void)[] = [];
  #drainWaiters: (() => void)[] = [];
  #shuttingDown = false;

  /** Creates an empty queue. */
  constructor(options: WorkQueueOptions) {
    this.#clock = options.clock;
    const backoff = options.backoff;
    this.#backoff = isItemBackoff(backoff) ? backoff : createItemBackoff(backoff);
  }

  /** Queues `key` unless it already waits; ignored after shutdown. */
  add(key: string): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.#dirty.add(key);
    if (this.#processing.has(key)) return;
    this.#queue.push(key);
    this.#handOut();
  }

  /**
   * Adds `key` after `ms` milliseconds (immediately when `ms` ≤ 0). When the key is already
   * scheduled, the earlier deadline wins.
   */
  addAfter(key: string, ms: number): void {
    this.#schedule(key, ms, false);
  }

  /** Adds `key` after its next backoff delay (one more failure recorded); returns the delay in ms. */
  addRateLimited(key: string): number {
    const delay = this.#backoff.next(key);
    this.#schedule(key, delay, true);
    return delay;
  }

  /** Resets the backoff of `key` (call after it was processed successfully). */
  forget(key: string): void {
    this.#backoff.forget(key);
  }

  /** Consecutive failures recorded for `key` by `addRateLimited` since its last `forget`. */
  numRequeues(key: string): number {
    return this.#backoff.failures(key);
  }

  /**
   * Waits for the next key and marks it as processing; the caller must call `done(key)` when
   * finished. Resolves undefined once the queue is shut down.
   */
  get(): Promise<string | undefined> {
    if (this.#shuttingDown) return Promise.resolve(undefined);
    const key = this.#take();
    if (key !== undefined) return Promise.resolve(key);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Marks `key` as processed; re-queues it when it was added again meanwhile. */
  done(key: string): void {
    this.#processing.delete(key);
    if (this.#dirty.has(key) && !this.#shuttingDown) {
      this.#queue.push(key);
      this.#handOut();
    }
    if (this.#processing.size === 0) {
      const waiters = this.#drainWaiters;
      this.#drainWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  /** Stops the queue now: pending and delayed keys are dropped, waiting `get` calls resolve undefined. */
  shutDown(): void {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    for (const item of this.#delayed.values()) item.cancel();
    this.#delayed.clear();
    this.#queue = [];
    this.#dirty.clear();
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve(undefined);
  }

  /** Shuts down like `shutDown`, then resolves once every key being processed is `done`. */
  shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.#processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  /** True once `shutDown` or `shutDownWithDrain` was called. */
  isShuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** Number of keys waiting to be handed out (not counting delayed or processing ones). */
  len(): number {
    return this.#queue.length;
  }

  /** Number of keys being processed. */
  processing(): number {
    return this.#processing.size;
  }

  /** True when no key waits and none is being processed (delayed keys do not count). */
  isIdle(): boolean {
    return this.#queue.length === 0 && this.#processing.size === 0;
  }

  /** Keys scheduled for a later add, earliest first. */
  pendingDelayed(): DelayedItem[] {
    return [...this.#delayed.values()]
      .map(({ key, dueAt, rateLimited }) => ({ key, dueAt, rateLimited }))
      .sort((a, b) => a.dueAt - b.dueAt);
  }

  #schedule(key: string, ms: number, rateLimited: boolean): void {
    if (this.#shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const dueAt = this.#clock.now().getTime() + ms;
    const existing = this.#delayed.get(key);
    if (existing !== undefined) {
      if (existing.dueAt <= dueAt) return;
      existing.cancel();
    }
    const cancel = this.#clock.setTimer(ms, () => {
      if (this.#delayed.get(key)?.cancel !== cancel) return;
      this.#delayed.delete(key);
      this.add(key);
    });
    this.#delayed.set(key, { key, dueAt, rateLimited, cancel });
  }

  #take(): string | undefined {
    const key = this.#queue.shift();
    if (key === undefined) return undefined;
    this.#processing.add(key);
    this.#dirty.delete(key);
    return key;
  }

  #handOut(): void {
    while (this.#waiters.length > 0 && this.#queue.length > 0) {
      const waiter = this.#waiters.shift();
      waiter?.(this.#take());
    }
  }
}

function isItemBackoff(value: ItemBackoff | BackoffOptions | undefined): value is ItemBackoff {
  return value !== undefined && typeof (value as ItemBackoff).next === 'function';
}
