/**
 * Workspace status as a pure function of the previous status, what the provider reported and the
 * time: phase, conditions (ContainerReady, ServicesReady, Ready), runtime ids and repairs.
 */
import type { Condition } from '../../apis/meta.ts';
import type { Workspace, WorkspaceRepair, WorkspaceStatus } from '../../apis/types/index.ts';
import { READY, setCondition, summarizeReady } from '../runtime/conditions.ts';
import type { EnsureResult } from '../providers/types.ts';

/** Condition types the Workspace controller reports (later issues add WorktreeReady, HooksSucceeded). */
export const WORKSPACE_CONDITIONS = ['ContainerReady', 'ServicesReady'] as const;

/** How many repairs `status.repairs` keeps (newest last). */
export const MAX_REPAIRS = 10;

/** Inputs of `workspaceStatus` besides the object. */
export interface StatusInputs {
  result: EnsureResult;
  now: Date;
  /** Changes made to restore the spec while the spec itself did not change (drift repairs). */
  repairs: string[];
  /** Milliseconds the ensure took, recorded as the create time when it created the runtime. */
  ensureMs: number;
}

/** Computes the new status of a converged workspace. */
export function workspaceStatus(ws: Workspace, inputs: StatusInputs): WorkspaceStatus {
  const previous = ws.status ?? {};
  const generation = ws.metadata.generation;
  const { observed } = inputs.result;
  let conditions: Condition[] = previous.conditions ?? [];
  conditions = setCondition(
    conditions,
    { type: 'ContainerReady', status: 'True', reason: observed.state, message: `container ${observed.id} is ${observed.state.toLowerCase()}`, observedGeneration: generation },
    inputs.now,
  );
  const notRunning = Object.entries(observed.services).filter(([, s]) => !s.running).map(([name]) => name);
  conditions = setCondition(
    conditions,
    notRunning.length === 0
      ? { type: 'ServicesReady', status: 'True', reason: 'ServicesRunning', message: `${Object.keys(observed.services).length} service(s) running`, observedGeneration: generation }
      : { type: 'ServicesReady', status: 'False', reason: 'ServicesNotRunning', message: `not running: ${notRunning.join(', ')}`, observedGeneration: generation },
    inputs.now,
  );
  conditions = setCondition(conditions, summarizeReady(conditions, WORKSPACE_CONDITIONS, { observedGeneration: generation }), inputs.now);
  const status: WorkspaceStatus = {
    ...previous,
    observedGeneration: generation,
    phase: observed.state,
    conditions,
    containerId: observed.id,
    repairs: appendRepairs(previous.repairs, inputs.repairs, inputs.now),
  };
  if (observed.imageDigest !== undefined) status.imageDigest = observed.imageDigest;
  if (ws.spec.repository?.branch !== undefined) status.branch = ws.spec.repository.branch;
  if (inputs.result.outcome === 'created') {
    status.timings = { ...previous.timings, createMs: inputs.ensureMs, lastStartMs: inputs.ensureMs };
  }
  if (observed.state === 'Running' && previous.phase !== 'Running') status.lastActiveAt = inputs.now.toISOString();
  if (status.repairs?.length === 0) delete status.repairs;
  return status;
}

/** True when Ready is True in `status`. */
export function isReady(status: WorkspaceStatus | undefined): boolean {
  return status?.conditions?.some((c) => c.type === READY && c.status === 'True') ?? false;
}

function appendRepairs(previous: WorkspaceRepair[] | undefined, repairs: string[], now: Date): WorkspaceRepair[] {
  const added = repairs.map((what) => ({ at: now.toISOString(), what }));
  return [...(previous ?? []), ...added].slice(-MAX_REPAIRS);
}
