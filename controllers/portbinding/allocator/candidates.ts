/**
 * The order in which the allocator tries ports (pure): the same offset in successive slots,
 * round-robin from the base slot, or every port of a small range in turn.
 */
import type { PortRange } from '../contracts.ts';
import { rangeSize, slotCount } from './base-slot.ts';

/** Ports at `offset` in each slot of `range`, starting at slot `firstSlot` and wrapping around. */
export function* slotCandidates(range: PortRange, slotSize: number, firstSlot: number, offset: number): Generator<number> {
  const slots = slotCount(range, slotSize);
  for (let i = 0; i < slots; i += 1) yield range.start + ((firstSlot + i) % slots) * slotSize + offset;
}

/** Every port of `range`, starting at index `firstIndex` (taken modulo the size) and wrapping around. */
export function* linearCandidates(range: PortRange, firstIndex: number): Generator<number> {
  const size = rangeSize(range);
  const first = ((firstIndex % size) + size) % size;
  for (let i = 0; i < size; i += 1) yield range.start + ((first + i) % size);
}
