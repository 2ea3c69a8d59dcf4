/**
 * The status of a Workspace during one reconcile: the latest stored object, failure recording per
 * step, throttled progress (image pull/build) and the final write. Every write goes through the
 * status subresource with the object's current resourceVersion.
 */
import type { Condition } from '../../apis/meta.ts';
import type { Workspace, WorkspaceStatus } from '../../apis/types/index.ts';
import { setCondition } from '../runtime/conditions.ts';
import type { Clock } from '../runtime/clock.ts';
import { errorMessage, isTerminalError, TerminalError } from '../runtime/errors.ts';
import { writeStatusIfChanged } from '../runtime/status-writer.ts';
import type { ResourceClient } from '../../apis/client/types.ts';
import type { ProgressEvent } from '../providers/types.ts';
import { BUILDING_IMAGE, CONTAINER_READY, PULLING_IMAGE, READY, RECONCILE_ERROR } from '../../apis/names/index.ts';

/** Minimum time between two progress writes. */
export const PROGRESS_INTERVAL_MS = 500;

/** A step failure as the status reports it. */
export interface StepFailure {
  reason: string;
  message: string;
  /** Retrying cannot help until the spec (or the world) changes. */
  terminal: boolean;
}

/** Classifies anything a step threw: errors with a CamelCase `reason` keep it; others are transient. */
export function stepFailure(err: unknown): StepFailure {
  const candidate = err as { reason?: unknown; transient?: unknown };
  if (err instanceof Error && typeof candidate.reason === 'string' && /^[A-Z][A-Za-z0-9]*$/.test(candidate.reason)) {
    return { reason: candidate.reason, message: err.message, terminal: isTerminalError(err) || candidate.transient === false };
  }
  return { reason: RECONCILE_ERROR, message: errorMessage(err), terminal: false };
}

/** See the module comment. */
export class LiveStatus {
  #object: Workspace;
  readonly #client: ResourceClient;
  readonly #clock: Clock;
  #lastProgressAt = Number.NEGATIVE_INFINITY;
  /** The latest queued write; writes (progress, failures, the final one) run one after another. */
  #serial: Promise<void> = Promise.resolve();

  constructor(client: ResourceClient, ws: Workspace, clock: Clock) {
    this.#client = client;
    this.#object = ws;
    this.#clock = clock;
  }

  /** The latest stored state of the workspace. */
  get object(): Workspace {
    return this.#object;
  }

  /**
   * Runs one step. When it throws, records `conditionType`=False and Ready=False with the failure's
   * reason, then rethrows — as a TerminalError when retrying cannot help.
   */
  async step<T>(conditionType: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw await this.recordFailure(conditionType, err);
    }
  }

  /**
   * Records a step's failure `err` as `conditionType`=False and Ready=False with its reason;
   * returns what to throw: `err`, or a TerminalError when retrying cannot help (the step runner's
   * `recordFailure`, controllers/runtime/steps.ts).
   */
  async recordFailure(conditionType: string, err: unknown): Promise<unknown> {
    const failure = stepFailure(err);
    await this.write(() => this.#withFailure(conditionType, failure));
    if (failure.terminal && !isTerminalError(err)) return new TerminalError(failure.reason, failure.message, { cause: err });
    return err;
  }

  /** Reports image pull/build progress as ContainerReady=Unknown, at most every PROGRESS_INTERVAL_MS. */
  progress(event: ProgressEvent): void {
    const now = this.#clock.now().getTime();
    if (now - this.#lastProgressAt < PROGRESS_INTERVAL_MS) return;
    this.#lastProgressAt = now;
    const percent = event.current !== undefined && event.total !== undefined && event.total > 0 ? ` (${Math.floor((100 * event.current) / event.total)}%)` : '';
    const status: WorkspaceStatus = {
      ...this.#object.status,
      phase: 'Creating',
      conditions: this.#set(this.#object.status?.conditions, {
        type: CONTAINER_READY,
        status: 'Unknown',
        reason: event.step === 'pull' ? PULLING_IMAGE : BUILDING_IMAGE,
        message: `${event.message}${percent}`,
      }),
    };
    this.write(status).catch(() => undefined);
  }

  /**
   * Writes `status` (or what `status()` computes from the latest stored object, once earlier writes
   * landed) when it differs from the stored one and keeps the stored object. Writes are serialized
   * — pending progress first; steps of one reconcile may fail concurrently — each on the latest
   * stored object.
   */
  write(status: WorkspaceStatus | (() => WorkspaceStatus)): Promise<void> {
    const next = this.#serial.then(async () => {
      const { object } = await writeStatusIfChanged(this.#client, this.#object, typeof status === 'function' ? status() : status);
      this.#object = object;
    });
    this.#serial = next.catch(() => undefined);
    return next;
  }

  #withFailure(conditionType: string, failure: StepFailure): WorkspaceStatus {
    let conditions = this.#set(this.#object.status?.conditions, { type: conditionType, status: 'False', reason: failure.reason, message: failure.message });
    conditions = this.#set(conditions, { type: READY, status: 'False', reason: failure.reason, message: failure.message });
    const status: WorkspaceStatus = { ...this.#object.status, conditions, observedGeneration: this.#object.metadata.generation };
    // A transient failure is retried: the phase must not keep claiming an earlier terminal one.
    if (failure.terminal) status.phase = 'Failed';
    else if (status.phase === undefined || status.phase === 'Failed') status.phase = 'Pending';
    return status;
  }

  #set(conditions: Condition[] | undefined, input: Pick<Condition, 'type' | 'status' | 'reason' | 'message'>): Condition[] {
    const generation = this.#object.metadata.generation;
    return setCondition(conditions, { ...input, ...(generation !== undefined ? { observedGeneration: generation } : {}) }, this.#clock.now());
  }
}
