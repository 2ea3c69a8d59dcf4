/**
 * Offsets of a workspace's ports within its slot of the port plan: role ports take the role's
 * offset (0–4), the other ports take 5–9 in declaration order, and ports beyond that overflow
 * (undefined) to the overflow range — a workspace with many services keeps working instead of
 * failing, at the price of those extra ports living outside the slot.
 */
import { PORT_PLAN } from '../contracts.ts';
import { ROLE_OFFSETS, portRole } from './port-roles.ts';

/** The first offset for ports that match no role. */
export const FIRST_EXTRA_OFFSET = 5;

/** How many role-less ports fit in a slot (offsets 5–9). */
export const EXTRA_PORTS_PER_SLOT = PORT_PLAN.slotSize - FIRST_EXTRA_OFFSET;

/**
 * The offset of one port in its workspace's slot. `declarationIndex` is the 0-based position of
 * the port among the workspace's ports that take no role offset (ignored for role ports).
 * Returns undefined when the port is past the slot's last offset (it overflows).
 */
export function portOffset(portName: string, declarationIndex: number): number | undefined {
  const role = portRole(portName);
  if (role !== undefined) return ROLE_OFFSETS[role];
  return extraOffset(declarationIndex);
}

/** Offset 5 + index for the index-th role-less port, undefined past the slot. */
function extraOffset(index: number): number | undefined {
  if (!Number.isInteger(index) || index < 0) throw new RangeError(`declaration index must be a non-negative integer, got ${index}`);
  return index < EXTRA_PORTS_PER_SLOT ? FIRST_EXTRA_OFFSET + index : undefined;
}

/**
 * Offsets of all of a workspace's ports, given their names in declaration order. The first port
 * of each role takes the role's offset; a second port of a taken role (`web` then `http`) is
 * treated like a role-less one. Duplicate names count once. Undefined values overflow.
 */
export function planPortOffsets(portNames: readonly string[]): Map<string, number | undefined> {
  const offsets = new Map<string, number | undefined>();
  const claimedRoles = new Set<string>();
  let extras = 0;
  for (const name of portNames) {
    if (offsets.has(name)) continue;
    const role = portRole(name);
    if (role !== undefined && !claimedRoles.has(role)) {
      claimedRoles.add(role);
      offsets.set(name, ROLE_OFFSETS[role]);
    } else {
      offsets.set(name, extraOffset(extras));
      extras += 1;
    }
  }
  return offsets;
}

/** The offset of `portName` among `workspacePorts` (appended at the end when missing). */
export function offsetAmong(portName: string, workspacePorts: readonly string[]): number | undefined {
  const names = workspacePorts.includes(portName) ? workspacePorts : [...workspacePorts, portName];
  return planPortOffsets(names).get(portName);
}
