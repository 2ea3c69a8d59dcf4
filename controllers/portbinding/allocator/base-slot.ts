/**
 * The stable hash behind deterministic ports: the same namespace/workspace gives the same slot in
 * every process and on every machine (sha256, no seed, no process state).
 */
import { createHash } from 'node:crypto';
import { BoulderError } from '../../../apis/errors.ts';
import type { PortRange } from '../contracts.ts';

/** The first 8 bytes of sha256(text) as an unsigned big-endian integer. */
export function stableHash64(text: string): bigint {
  return createHash('sha256').update(text, 'utf8').digest().readBigUInt64BE(0);
}

/** Number of ports in an inclusive range. */
export function rangeSize(range: PortRange): number {
  return range.end - range.start + 1;
}

/** Number of whole slots of `slotSize` ports in `range` (leftover ports at the end are unused). */
export function slotCount(range: PortRange, slotSize: number): number {
  return Math.floor(rangeSize(range) / slotSize);
}

/** `stableHash64(text) mod modulus` as a number (modulus ≥ 1). */
export function stableIndex(text: string, modulus: number): number {
  return Number(stableHash64(text) % BigInt(modulus));
}

/**
 * The base slot index of a workspace in `range`: sha256 of `namespace/workspace`, first 8 bytes
 * as an integer, modulo the number of slots. Throws when the range holds no whole slot.
 */
export function baseSlot(namespace: string, workspace: string, range: PortRange, slotSize: number): number {
  const slots = slotCount(range, slotSize);
  if (slots < 1) throw new BoulderError('Invalid', `port range ${range.start}-${range.end} is smaller than one slot of ${slotSize} ports`);
  return stableIndex(`${namespace}/${workspace}`, slots);
}
