/**
 * Per-key exponential backoff with jitter and a cap, reset when the key succeeds: the retry policy
 * of the work queue (`addRateLimited`) and of the manager's watch restarts.
 */

/** Tuning of an exponential backoff. */
export interface BackoffOptions {
  /** Delay before the first retry, in ms. Default 100. */
  baseMs?: number;
  /** Growth per consecutive failure. Default 2. */
  factor?: number;
  /** Upper bound of any delay, in ms, jitter included. Default 60 000. */
  capMs?: number;
  /** Relative jitter: 0.2 spreads each delay uniformly over ±20 %. Default 0.2. */
  jitter?: number;
  /** Uniform random source in [0, 1); inject a fixed one in tests. Default `Math.random`. */
  random?: () => number;
}

/** Default backoff: 100 ms doubling up to 60 s, ±20 % jitter. */
export const DEFAULT_BACKOFF: Required<Omit<BackoffOptions, 'random'>> = {
  baseMs: 100,
  factor: 2,
  capMs: 60_000,
  jitter: 0.2,
};

/**
 * Delay (whole ms) after `failures` earlier consecutive failures: base·factor^failures, spread by
 * the jitter with `randomValue` in [0, 1) (0.5 = no jitter), never above the cap. Pure.
 */
export function backoffDelay(failures: number, options: BackoffOptions = {}, randomValue = 0.5): number {
  const { baseMs, factor, capMs, jitter } = { ...DEFAULT_BACKOFF, ...withoutUndefined(options) };
  const exponential = Math.min(capMs, baseMs * Math.pow(factor, Math.max(0, failures)));
  const spread = 1 + jitter * (2 * randomValue - 1);
  return Math.max(0, Math.round(Math.min(capMs, exponential * spread)));
}

/** Per-key failure counts and the delay each key must wait before its next retry. */
export interface ItemBackoff {
  /** Records one more failure of `key` and returns how long to wait before retrying it, in ms. */
  next(key: string): number;
  /** Resets `key` after a success: its next failure starts again at the base delay. */
  forget(key: string): void;
  /** Consecutive failures recorded for `key` since it was last forgotten. */
  failures(key: string): number;
}

/** Creates an `ItemBackoff` with the given tuning (defaults: `DEFAULT_BACKOFF`). */
export function createItemBackoff(options: BackoffOptions = {}): ItemBackoff {
  const random = options.random ?? Math.random;
  const counts = new Map<string, number>();
  return {
    next(key) {
      const failures = counts.get(key) ?? 0;
      counts.set(key, failures + 1);
      return backoffDelay(failures, options, random());
    },
    forget(key) {
      counts.delete(key);
    },
    failures(key) {
      return counts.get(key) ?? 0;
    },
  };
}

function withoutUndefined<T extends object>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}
