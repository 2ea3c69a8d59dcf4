/**
 * Per-phase wall times of one Workspace reconcile (issue 19: the profile of the apply path), for
 * `status.timings.phases` and the reconcile's debug log line. Phases that run concurrently are
 * each timed on their own, so their sum may exceed the reconcile's wall time; `converge` is the
 * wall time from the timer's creation (the converge's start) to just before the status write.
 * Each timed phase also keeps its span (first start and last end, from the converge's start) for
 * the debug log: two phases overlapped when their spans intersect (e.g. a new worktree made
 * alongside ensure).
 */

/** Collects named durations in milliseconds. */
export class PhaseTimer {
  readonly #phases: Record<string, number> = {};
  readonly #spans: Record<string, [number, number]> = {};
  readonly #now: () => number;
  readonly #startedAt: number;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
    this.#startedAt = now();
  }

  /** Records the wall time since this timer was created under `name`. */
  recordWall(name: string): void {
    this.record(name, this.#now() - this.#startedAt);
  }

  /** Runs `step` and records its duration under `name` (also when it throws). */
  async time<T>(name: string, step: () => Promise<T>): Promise<T> {
    const started = this.#now();
    try {
      return await step();
    } finally {
      const ended = this.#now();
      this.record(name, ended - started);
      const [first, last] = this.#spans[name] ?? [Infinity, -Infinity];
      this.#spans[name] = [Math.min(first, started - this.#startedAt), Math.max(last, ended - this.#startedAt)];
    }
  }

  /** Records `ms` under `name` (added to an earlier record of the same name). */
  record(name: string, ms: number): void {
    this.#phases[name] = (this.#phases[name] ?? 0) + Math.max(0, ms);
  }

  /** Records each of `phases` under `prefix.name`. */
  recordAll(prefix: string, phases: Readonly<Record<string, number>> | undefined): void {
    for (const [name, ms] of Object.entries(phases ?? {})) this.record(`${prefix}.${name}`, ms);
  }

  /** The spans of the phases timed with `time` so far: [first start, last end] in ms from the converge's start, rounded to 0.1 ms. */
  spans(): Record<string, [number, number]> {
    const round = (ms: number): number => Math.round(ms * 10) / 10;
    return Object.fromEntries(Object.entries(this.#spans).map(([name, [start, end]]) => [name, [round(start), round(end)]]));
  }

  /** The durations so far, rounded to 0.1 ms. */
  snapshot(): Record<string, number> {
    return Object.fromEntries(Object.entries(this.#phases).map(([name, ms]) => [name, Math.round(ms * 10) / 10]));
  }
}
