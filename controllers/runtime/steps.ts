/**
 * The shape of every reconcile: a short list of named steps run over one reconcile's scope (the
 * object as last stored, what earlier steps found, the context). A step is a small unit that
 * owns its condition:
 *
 * - it runs, reading and filling in the scope; returning nothing goes on with the next step;
 * - it returns `finish(result)` to end the reconcile there (waiting on something outside: a
 *   `requeueAfter`; or a state it reported itself), and the remaining steps do not run;
 * - it throws: when the step names a `condition`, the list's `recordFailure` records it first
 *   (e.g. that condition and Ready False with the failure's reason) and says what to throw (a
 *   TerminalError when retrying cannot help); then the list stops and the error propagates to the
 *   controller (retried with backoff, or recorded as terminal). A step without a condition fails
 *   the reconcile as it is.
 *
 * `concurrently(...)` groups independent steps (reads that need nothing from each other): every
 * step of the group runs to its end, each failure is recorded, and the first failure in list order
 * propagates once all settled — so no step is still writing status when the reconcile goes on or
 * fails. Variants of a kind (file sync into a volume or into a Pod) are steps present in the list
 * or not, decided when the list is built from the object, never a branch inside a step; a step
 * that depends on what earlier steps found (a hook on a state transition) says so in `when`.
 * A step with a `phase` is timed under that name (`StepTimer`, e.g. status.timings.phases); a
 * group built by `concurrentlyAs(phase, ...)` is also timed as a whole under its own phase (its
 * wall time), so overlapping steps keep each their own duration and the wall they shared is known.
 */
import type { ReconcileResult } from './controller.ts';

/** A step's request to end the reconcile with `result`; see `finish`. */
export interface Finish {
  readonly finish: ReconcileResult | undefined;
}

/** What a step's `run` returns: nothing to go on, or `finish(...)` to end the reconcile here. */
export type StepOutcome = Finish | undefined | void;

/** One named step over the scope `S` of a reconcile. */
export interface Step<S> {
  /** Names the step (logs, tests, the failure recorder). */
  readonly name: string;
  /** The condition type this step owns: its failure is recorded there (see the module comment). */
  readonly condition?: string;
  /** Times the step under this phase name (a phase named by several steps adds up). */
  readonly phase?: string;
  /**
   * Runs the step only when this says so, asked just before it would run (what earlier steps
   * found decides: a hook runs on a transition only). A skipped step is neither run nor timed.
   */
  when?(scope: S): boolean;
  /** Does the step's work; see `StepOutcome`. */
  run(scope: S): Promise<StepOutcome>;
}

/** A group of steps run at the same time; see `concurrently`. */
export interface ConcurrentSteps<S> {
  readonly concurrently: readonly Step<S>[];
  /** Times the whole group (its wall time) under this phase name. */
  readonly phase?: string;
}

/** An entry of a step list: a step, or a group run concurrently. */
export type StepEntry<S> = Step<S> | ConcurrentSteps<S>;

/** Times a phase (the Workspace's PhaseTimer implements it). */
export interface StepTimer {
  time<T>(phase: string, run: () => Promise<T>): Promise<T>;
}

/** How a list reports its steps' failures and times its phases. */
export interface StepListOptions {
  /**
   * Records the failure `err` of a step owning `condition`; returns what to throw instead (e.g. a
   * TerminalError for a failure retrying cannot help). Without it a failure propagates as is.
   */
  recordFailure?(condition: string, err: unknown, step: string): Promise<unknown>;
  /** Times steps that name a `phase`. */
  timer?: StepTimer;
  /** Told before each step runs (e.g. a debug log line). */
  onStep?(step: string): void;
}

/** Ends the reconcile after this step with `result` (see the module comment). */
export function finish(result?: ReconcileResult): Finish {
  return { finish: result };
}

/** Runs `steps` at the same time as one entry of a list (see the module comment). */
export function concurrently<S>(...steps: Step<S>[]): ConcurrentSteps<S> {
  return { concurrently: steps };
}

/** Like `concurrently`, and times the group's wall under `phase` (each step keeps its own phase). */
export function concurrentlyAs<S>(phase: string, ...steps: Step<S>[]): ConcurrentSteps<S> {
  return { concurrently: steps, phase };
}

/**
 * Runs the entries in order over `scope`. Returns the result of the step that finished the
 * reconcile, or undefined when every step ran; throws the failure that stopped the list.
 */
export async function runSteps<S>(entries: readonly StepEntry<S>[], scope: S, options: StepListOptions = {}): Promise<ReconcileResult | undefined> {
  for (const entry of entries) {
    const outcome = 'concurrently' in entry ? await timedGroup(entry, scope, options) : await runStep(entry, scope, options);
    if (outcome !== undefined) return outcome.finish;
  }
  return undefined;
}

/**
 * `value`, which the step named `step` fills into the scope; throws when it is undefined (that step
 * has not run: a list out of order). For values a step always sets; optional findings stay optional.
 */
export function found<T>(value: T | undefined, step: string): T {
  if (value === undefined) throw new Error(`step ${step} has not run yet`);
  return value;
}

/** The names of a list's steps in order (a group's in its order), e.g. for tests and logs. */
export function stepNames<S>(entries: readonly StepEntry<S>[]): string[] {
  return entries.flatMap((entry) => ('concurrently' in entry ? entry.concurrently.map((step) => step.name) : [entry.name]));
}

/** Runs one step: timed when it names a phase, its failure recorded when it owns a condition. */
async function runStep<S>(step: Step<S>, scope: S, options: StepListOptions): Promise<Finish | undefined> {
  if (step.when !== undefined && !step.when(scope)) return undefined;
  options.onStep?.(step.name);
  const run = async (): Promise<Finish | undefined> => {
    try {
      return (await step.run(scope)) ?? undefined;
    } catch (err) {
      if (step.condition === undefined || options.recordFailure === undefined) throw err;
      throw await options.recordFailure(step.condition, err, step.name);
    }
  };
  return step.phase !== undefined && options.timer !== undefined ? options.timer.time(step.phase, run) : run();
}

/** Runs a group, timed as a whole when it names a phase. */
function timedGroup<S>(group: ConcurrentSteps<S>, scope: S, options: StepListOptions): Promise<Finish | undefined> {
  const run = (): Promise<Finish | undefined> => runGroup(group.concurrently, scope, options);
  return group.phase !== undefined && options.timer !== undefined ? options.timer.time(group.phase, run) : run();
}

/**
 * Runs a group's steps at the same time and waits for all of them; throws the first failure in
 * list order, else returns the first `finish` in list order.
 */
async function runGroup<S>(steps: readonly Step<S>[], scope: S, options: StepListOptions): Promise<Finish | undefined> {
  const settled = await Promise.allSettled(steps.map((step) => runStep(step, scope, options)));
  for (const outcome of settled) if (outcome.status === 'rejected') throw outcome.reason;
  for (const outcome of settled) if (outcome.status === 'fulfilled' && outcome.value !== undefined) return outcome.value;
  return undefined;
}
