/**
 * PortBinding status as a pure function of the stored object, what this reconcile observed, and
 * the time: phase (Pending | Bound | Conflict | Standby), the conditions Bound, Conflict,
 * Exposed (where it listens: loopback, or beyond it without authentication; see exposure.ts) and
 * Ready, the host port with its URL, the persisted allocation, the forwarding target and, while
 * in conflict, the port's holder.
 */
import type { Condition } from '../../apis/meta.ts';
import type { PortBinding, PortBindingAllocation, PortBindingHolder, PortBindingStatus } from '../../apis/types/index.ts';
import { setCondition, type ConditionInput } from '../runtime/conditions.ts';
import { exposureCondition, type Exposure } from './exposure.ts';
import { BOUND, CONFLICT, FORWARDING, NOT_LISTENING, NO_CONFLICT, PORT_IN_USE, READY, STANDBY, TARGET_UNREACHABLE } from '../../apis/names/index.ts';


/** What one reconcile found. */
export type BindingObservation =
  /**
   * Traffic to the host port goes to `target`; `standby` when the fixed port belongs to another
   * workspace; `upstreamFailure` when the last connection could not reach the target.
   */
  | { kind: 'forwarding'; endpoint: string; target: string; standby?: string; upstreamFailure?: string }
  /** The host port is held by another process (or another binding). */
  | { kind: 'conflict'; message: string; holder?: PortBindingHolder }
  /** Not forwarding for a reason that passes by itself (workspace missing or not running, no daemon). */
  | { kind: 'waiting'; reason: string; message: string }
  /** Not forwarding because of a failure (range exhausted, listen not permitted…). */
  | { kind: 'failed'; reason: string; message: string };

/** Inputs of `bindingStatus` besides the object. */
export interface BindingStatusInputs {
  observation: BindingObservation;
  /** Where the binding listens and why (sets the Exposed condition when given). */
  exposure?: Exposure;
  /** The persisted allocation (kept unless the binding's name, protocol or address changed). */
  allocation?: PortBindingAllocation;
  /** The host port the binding forwards (or will, once it can). */
  hostPort?: number;
  url?: string;
  now: Date;
}

/** Computes the status of `pb`; see the module comment. */
export function bindingStatus(pb: PortBinding, inputs: BindingStatusInputs): PortBindingStatus {
  const generation = pb.metadata.generation;
  const set = (conditions: Condition[], input: Omit<ConditionInput, 'observedGeneration'>): Condition[] =>
    setCondition(conditions, { ...input, ...(generation !== undefined ? { observedGeneration: generation } : {}) }, inputs.now);
  const { observation } = inputs;
  const [bound, conflict, ready] = conditionsOf(observation, inputs.url);
  let conditions: Condition[] = pb.status?.conditions ?? [];
  conditions = set(conditions, bound);
  conditions = set(conditions, conflict);
  if (inputs.exposure !== undefined) conditions = set(conditions, exposureCondition(inputs.exposure, inputs.hostPort));
  conditions = set(conditions, ready);

  const status: PortBindingStatus = { phase: phaseOf(observation), conditions };
  if (generation !== undefined) status.observedGeneration = generation;
  if (inputs.hostPort !== undefined) status.hostPort = inputs.hostPort;
  if (inputs.url !== undefined) status.url = inputs.url;
  if (inputs.allocation !== undefined) status.allocation = { ...inputs.allocation };
  if (observation.kind === 'forwarding') status.target = observation.target;
  if (observation.kind === 'conflict' && observation.holder !== undefined) status.holder = { ...observation.holder };
  return status;
}

type Input = Omit<ConditionInput, 'observedGeneration'>;

function phaseOf(observation: BindingObservation): NonNullable<PortBindingStatus['phase']> {
  if (observation.kind === 'forwarding') return observation.standby === undefined ? 'Bound' : 'Standby';
  if (observation.kind === 'conflict') return 'Conflict';
  return 'Pending';
}

function conditionsOf(observation: BindingObservation, url: string | undefined): [Input, Input, Input] {
  switch (observation.kind) {
    case 'forwarding': {
      const forwarding = `${observation.endpoint} → ${observation.target}`;
      const noConflict: Input = { type: CONFLICT, status: 'False', reason: NO_CONFLICT, message: `listening on ${observation.endpoint}` };
      if (observation.standby !== undefined) {
        return [
          { type: BOUND, status: 'False', reason: STANDBY, message: observation.standby },
          noConflict,
          { type: READY, status: 'True', reason: STANDBY, message: `${observation.standby}; reachable at ${url ?? observation.endpoint} (${forwarding})` },
        ];
      }
      // The listener is up either way; a target that failed the last connection is named (the next one retries).
      const bound: Input =
        observation.upstreamFailure === undefined
          ? { type: BOUND, status: 'True', reason: FORWARDING, message: forwarding }
          : { type: BOUND, status: 'True', reason: TARGET_UNREACHABLE, message: `${forwarding}; the last connection failed: ${observation.upstreamFailure}` };
      return [bound, noConflict, { type: READY, status: 'True', reason: BOUND, message: `reachable at ${url ?? observation.endpoint}` }];
    }
    case 'conflict':
      return [
        { type: BOUND, status: 'False', reason: PORT_IN_USE, message: observation.message },
        { type: CONFLICT, status: 'True', reason: PORT_IN_USE, message: observation.message },
        { type: READY, status: 'False', reason: PORT_IN_USE, message: observation.message },
      ];
    case 'waiting':
    case 'failed':
      return [
        { type: BOUND, status: 'False', reason: observation.reason, message: observation.message },
        { type: CONFLICT, status: 'Unknown', reason: NOT_LISTENING, message: `not listening: ${observation.message}` },
        { type: READY, status: 'False', reason: observation.reason, message: observation.message },
      ];
  }
}
