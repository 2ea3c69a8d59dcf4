/**
 * The allocator's loop: walk the plan's candidates and return the first one nobody holds. The
 * caller decides what "taken" means (ports persisted by other bindings, and a bind probe on the
 * host), so the same inputs and the same taken set give the same port in every process.
 */
import type { AllocationRequest } from '../contracts.ts';
import { PortRangeExhaustedError } from './errors.ts';
import { allocationPlan } from './plan.ts';

/** Whether a host port is unavailable (held by another binding or by anything on the host). */
export type IsPortTaken = (port: number) => boolean | Promise<boolean>;

/**
 * The first candidate port of `request` (see `allocationPlan`) for which `isTaken` is false.
 * Candidates are checked one at a time, in order. Throws `PortRangeExhaustedError` (code
 * Unavailable) naming the range when every candidate is taken.
 */
export async function allocate(request: AllocationRequest, isTaken: IsPortTaken): Promise<number> {
  const plan = allocationPlan(request);
  let taken = 0;
  for (const port of plan.candidates) {
    if (!(await isTaken(port))) return port;
    taken += 1;
  }
  throw new PortRangeExhaustedError(`${request.namespace}/${request.workspace} ${request.portName}`, plan.range, taken, plan.unit);
}
