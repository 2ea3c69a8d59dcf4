/**
 * Time as the controller runtime sees it. Everything that waits (backoff, requeueAfter, resync,
 * shutdown deadlines) goes through a `Clock`, so tests inject a `FakeClock` and move time by hand
 * instead of sleeping.
 */
import { setImmediate as nextMacrotask } from 'node:timers/promises';

/** Source of the current time and of timers. */
export interface Clock {
  /** The current time. */
  now(): Date;
  /** Calls `fn` once after `ms` milliseconds; returns a function that cancels the timer. */
  setTimer(ms: number, fn: () => void): () => void;
  /**
   * Resolves after `ms` milliseconds. When `signal` aborts first, rejects with the signal's reason
   * (like `node:timers/promises`).
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Shared implementation of `sleep` on top of `setTimer`. */
function sleepWith(clock: Pick<Clock, 'setTimer'>, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      cancel();
      reject(signal?.reason as Error);
    };
    const cancel = clock.setTimer(ms, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Longest delay `setTimeout` accepts (about 24.8 days); longer timers are re-armed. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** The wall clock, backed by `Date` and `setTimeout`. */
export const realClock: Clock = {
  now: () => new Date(),
  setTimer(ms, fn) {
    const dueAt = Date.now() + Math.max(0, ms);
    let handle: NodeJS.Timeout;
    const arm = (): void => {
      const left = Math.max(0, dueAt - Date.now());
      handle = left > MAX_TIMEOUT_MS ? setTimeout(arm, MAX_TIMEOUT_MS) : setTimeout(fn, left);
    };
    arm();
    return () => clearTimeout(handle);
  },
  sleep(ms, signal) {
    return sleepWith(realClock, ms, signal);
  },
};

interface FakeTimer {
  dueAt: number;
  seq: number;
  fn: () => void;
}

/**
 * Waits until every microtask queued so far (and those they queue) has run, plus a couple of
 * macrotask turns, so promise chains started by a timer callback settle before the next one fires.
 */
export async function settle(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await nextMacrotask();
}

/**
 * A clock that moves only when told to. Timers fire in due-time order (ties in creation order)
 * during `advance`, which lets async work settle between them.
 */
export class FakeClock implements Clock {
  #nowMs: number;
  #timers: FakeTimer[] = [];
  #seq = 0;

  /** Starts the clock at `start` (default: the Unix epoch). */
  constructor(start: Date = new Date(0)) {
    this.#nowMs = start.getTime();
  }

  /** The current fake time. */
  now(): Date {
    return new Date(this.#nowMs);
  }

  /** Schedules `fn` at now + `ms` (negative counts as 0); it fires during a later `advance`. */
  setTimer(ms: number, fn: () => void): () => void {
    const timer: FakeTimer = { dueAt: this.#nowMs + Math.max(0, ms), seq: this.#seq++, fn };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  }

  /** Resolves when the fake time reaches now + `ms`; rejects with the reason when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepWith(this, ms, signal);
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way (including timers
   * scheduled by those callbacks) in time order, settling async work after each one.
   */
  async advance(ms: number): Promise<void> {
    const target = this.#nowMs + Math.max(0, ms);
    await settle();
    for (;;) {
      const next = this.#earliestDue(target);
      if (next === undefined) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#nowMs = Math.max(this.#nowMs, next.dueAt);
      next.fn();
      await settle();
    }
    this.#nowMs = target;
    await settle();
  }

  /** Number of timers scheduled and not yet fired or cancelled. */
  pendingTimers(): number {
    return this.#timers.length;
  }

  /** Due time (epoch ms) of the earliest pending timer, or undefined when there is none. */
  nextTimerAt(): number | undefined {
    return this.#earliestDue(Infinity)?.dueAt;
  }

  #earliestDue(limit: number): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const t of this.#timers) {
      if (t.dueAt > limit) continue;
      if (best === undefined || t.dueAt < best.dueAt || (t.dueAt === best.dueAt && t.seq < best.seq)) best = t;
    }
    return best;
  }
}
