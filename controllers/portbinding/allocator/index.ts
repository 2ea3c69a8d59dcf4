/** The deterministic host-port allocator (see `allocate`) and its helpers. */
export { allocate, type IsPortTaken } from './allocate.ts';
export { baseSlot, rangeSize, slotCount, stableHash64, stableIndex } from './base-slot.ts';
export { linearCandidates, slotCandidates } from './candidates.ts';
export { PortRangeExhaustedError } from './errors.ts';
export { portTakenCheck, type PortTakenCheckOptions } from './host-check.ts';
export { allocationPlan, assertValidRange, type AllocationPlan } from './plan.ts';
export { EXTRA_PORTS_PER_SLOT, FIRST_EXTRA_OFFSET, offsetAmong, planPortOffsets, portOffset } from './port-offset.ts';
export { ROLE_NAMES, ROLE_OFFSETS, portRole, type PortRole } from './port-roles.ts';
export { probeFree, probePort, type ProbeResult } from './probe.ts';
