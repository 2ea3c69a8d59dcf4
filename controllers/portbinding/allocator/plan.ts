/**
 * Which ports an allocation tries, in order (pure). A port with an offset in its workspace's slot
 * tries that offset in the base slot, then in the next slots round-robin; a range smaller than a
 * slot is probed linearly from the offset; an overflowing port (past offset 9) is probed linearly
 * in the overflow range from a hash of namespace/workspace/port.
 */
import { BoulderError } from '../../../apis/errors.ts';
import { PORT_PLAN, type AllocationRequest, type PortRange } from '../contracts.ts';
import { baseSlot, rangeSize, stableIndex } from './base-slot.ts';
import { linearCandidates, slotCandidates } from './candidates.ts';
import { offsetAmong } from './port-offset.ts';

/** The ordered candidates of one allocation and the range they come from. */
export interface AllocationPlan {
  range: PortRange;
  /** `slots` when one port per slot is tried, `ports` when every port is (for the error message). */
  unit: 'slots' | 'ports';
  candidates: Iterable<number>;
}

/** Throws an Invalid error unless `range` is integers with 1 ≤ start ≤ end ≤ 65535. */
export function assertValidRange(range: PortRange): void {
  const ok = Number.isInteger(range.start) && Number.isInteger(range.end) && range.start >= 1 && range.start <= range.end && range.end <= 65535;
  if (!ok) throw new BoulderError('Invalid', `invalid port range ${range.start}-${range.end}: want 1 ≤ start ≤ end ≤ 65535`);
}

/** The candidates `allocate` tries for `request`, in order; the same request always gives the same order. */
export function allocationPlan(request: AllocationRequest, slotSize: number = PORT_PLAN.slotSize): AllocationPlan {
  const offset = offsetAmong(request.portName, request.workspacePorts);
  if (offset === undefined) {
    const range = request.overflowRange ?? PORT_PLAN.dynamic;
    assertValidRange(range);
    const first = stableIndex(`${request.namespace}/${request.workspace}/${request.portName}`, rangeSize(range));
    return { range, unit: 'ports', candidates: linearCandidates(range, first) };
  }
  const { range } = request;
  assertValidRange(range);
  if (rangeSize(range) < slotSize) return { range, unit: 'ports', candidates: linearCandidates(range, offset) };
  const slot = baseSlot(request.namespace, request.workspace, range, slotSize);
  return { range, unit: 'slots', candidates: slotCandidates(range, slotSize, slot, offset) };
}
