/**
 * Activity of workspaces, as the daemon sees it: exec sessions, connections through forwarded
 * ports, file changes carried by sync, API calls. Recording is an in-memory write (no store write
 * per byte or call); the Workspace controller reads the latest activity when it reconciles and
 * records it in status (`lastActiveAt`, `lastActivity`), so status is still written by one owner.
 * A workspace's status is brought up to date at most once per `coalesceMs` (default 10 s: fresh
 * enough for `boulder get`, and a busy port costs at most one reconcile per 10 s per workspace);
 * the idle deadline itself is checked by the controller's requeueAfter, never by a polling loop.
 * Activity on a workspace the controller paused for idleness wakes it at once: `wake` resolves when
 * the controller has resumed it and run onWake (or after `wakeTimeoutMs`, so a caller never hangs).
 */

/** One piece of activity: when and what (e.g. `exec`, `connection on port web`). */
export interface Activity {
  at: Date;
  what: string;
}

/** Tuning of the tracker. */
export interface ActivityTrackerOptions {
  /** Ask for a reconcile of workspace `key` (`namespace/name`). */
  enqueue?: (key: string) => void;
  /** At most one status refresh per workspace per this many ms (default 10 s). */
  coalesceMs?: number;
  /** Give up waiting for a wake after this long (default 60 s). */
  wakeTimeoutMs?: number;
  /** The current time (the controllers' clock). */
  now?: () => Date;
  /**
   * What is going on right now that leaves no event (an open connection through a forwarded port),
   * asked only when the controller is about to decide a workspace is idle.
   */
  probe?: (key: string) => string | undefined;
}

/** Default of `coalesceMs`. */
export const ACTIVITY_COALESCE_MS = 10_000;

interface Entry {
  latest?: Activity;
  /** When the controller last took this workspace's activity into status. */
  flushedAt?: number;
  timer?: NodeJS.Timeout;
  idle: boolean;
  wakers: (() => void)[];
}

/** See the module comment. One tracker per daemon, shared by the controllers and the API server. */
export class ActivityTracker {
  readonly #entries = new Map<string, Entry>();
  readonly #options: ActivityTrackerOptions;
  #enqueue: ((key: string) => void) | undefined;

  /** A tracker; `enqueue` may also be connected later (`connect`). */
  constructor(options: ActivityTrackerOptions = {}) {
    this.#options = options;
    this.#enqueue = options.enqueue;
  }

  /** Connects the tracker to the Workspace controller's queue. */
  connect(enqueue: (key: string) => void): void {
    this.#enqueue = enqueue;
  }

  #now(): Date {
    return this.#options.now?.() ?? new Date();
  }

  #entry(key: string): Entry {
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      entry = { idle: false, wakers: [] };
      this.#entries.set(key, entry);
    }
    return entry;
  }

  /** Records activity on workspace `key` (`namespace/name`). Cheap: a map write, at most one timer. */
  record(key: string, what: string): void {
    const entry = this.#entry(key);
    entry.latest = { at: this.#now(), what };
    if (entry.idle) {
      this.#enqueue?.(key);
      return;
    }
    if (entry.timer !== undefined) return;
    const coalesce = this.#options.coalesceMs ?? ACTIVITY_COALESCE_MS;
    const since = entry.flushedAt === undefined ? Infinity : this.#now().getTime() - entry.flushedAt;
    const delay = since >= coalesce ? 0 : coalesce - since;
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      this.#enqueue?.(key);
    }, delay);
    entry.timer.unref();
  }

  /**
   * Records activity and, when the workspace is paused for idleness, waits until the controller has
   * woken it (resolves `true`), or until `wakeTimeoutMs` passed (`false`). Resolves at once (`false`)
   * when it was not idle.
   */
  wake(key: string, what: string): Promise<boolean> {
    const entry = this.#entry(key);
    const idle = entry.idle;
    this.record(key, what);
    if (!idle) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), this.#options.wakeTimeoutMs ?? 60_000);
      timer.unref();
      entry.wakers.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** The latest activity recorded for `key`, if any (the controller reads it when it reconciles). */
  latest(key: string): Activity | undefined {
    return this.#entries.get(key)?.latest;
  }

  /** Sets the probe (see ActivityTrackerOptions.probe), e.g. once the port forwarders exist. */
  setProbe(probe: (key: string) => string | undefined): void {
    this.#options.probe = probe;
  }

  /** What is going on in `key` right now without events (e.g. an open connection), if anything. */
  probe(key: string): string | undefined {
    return this.#options.probe?.(key);
  }

  /** Whether the controller holds `key` paused for idleness. */
  isIdle(key: string): boolean {
    return this.#entries.get(key)?.idle === true;
  }

  /**
   * Called by the controller after each reconcile of `key`: whether it is now paused for idleness,
   * and that its status holds the activity seen so far. Leaving idleness releases held wakes;
   * activity newer than `decidedAt` (when it decided to sleep) asks for a wake at once.
   */
  settled(key: string, idle: boolean, decidedAt?: Date): void {
    const entry = this.#entry(key);
    entry.flushedAt = this.#now().getTime();
    entry.idle = idle;
    // Activity that came while the controller was putting it to sleep wakes it again at once.
    if (idle && decidedAt !== undefined && entry.latest !== undefined && entry.latest.at.getTime() > decidedAt.getTime()) {
      if (entry.timer !== undefined) clearTimeout(entry.timer);
      entry.timer = undefined;
      this.#enqueue?.(key);
    }
    if (!idle) {
      const wakers = entry.wakers.splice(0);
      for (const w of wakers) w();
    }
  }

  /** Forgets `key` (the workspace is gone), releasing anyone waiting on it. */
  forget(key: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    if (entry.timer !== undefined) clearTimeout(entry.timer);
    for (const w of entry.wakers.splice(0)) w();
    this.#entries.delete(key);
  }
}
