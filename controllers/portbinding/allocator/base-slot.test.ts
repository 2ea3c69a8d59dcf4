import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PORT_PLAN } from '../contracts.ts';
import { baseSlot, rangeSize, slotCount, stableHash64, stableIndex } from './base-slot.ts';

describe('stableHash64', () => {
  it('is the first 8 bytes of sha256, big-endian', () => {
    const digest = createHash('sha256').update('default/ws-a').digest('hex');
    expect(stableHash64('default/ws-a')).toBe(BigInt(`0x${digest.slice(0, 16)}`));
  });
});

describe('slots', () => {
  it('counts ports and whole slots', () => {
    expect(rangeSize(PORT_PLAN.docker)).toBe(2200);
    expect(slotCount(PORT_PLAN.docker, 10)).toBe(220);
    expect(slotCount(PORT_PLAN.sprite, 10)).toBe(500);
    expect(slotCount({ start: 3000, end: 3014 }, 10)).toBe(1);
    expect(slotCount({ start: 3000, end: 3008 }, 10)).toBe(0);
  });
});

describe('baseSlot', () => {
  it('is the hash of namespace/workspace modulo the number of slots', () => {
    expect(baseSlot('default', 'ws-a', PORT_PLAN.docker, 10)).toBe(Number(stableHash64('default/ws-a') % 220n));
    expect(stableIndex('default/ws-a', 220)).toBe(baseSlot('default', 'ws-a', PORT_PLAN.docker, 10));
  });

  it('is pinned: a change of the hash would move every allocated workspace', () => {
    // Values computed once from sha256; they must never change.
    expect(baseSlot('default', 'ws-a', PORT_PLAN.docker, 10)).toBe(83);
    expect(baseSlot('team', 'api-main', PORT_PLAN.docker, 10)).toBe(160);
  });

  it('depends on both namespace and workspace and stays in range', () => {
    const slots = new Set<number>();
    for (let i = 0; i < 1000; i += 1) {
      const slot = baseSlot('default', `ws-${i}`, PORT_PLAN.docker, 10);
      expect(slot).toBeGreaterThanOrEqual(0);
      expect(slot).toBeLessThan(220);
      slots.add(slot);
    }
    expect(slots.size).toBeGreaterThan(200); // spread over the slots, not clumped
    const differing = Array.from({ length: 50 }, (_, i) => baseSlot('a', `w${i}`, PORT_PLAN.docker, 10) !== baseSlot('b', `w${i}`, PORT_PLAN.docker, 10));
    expect(differing.filter(Boolean).length).toBeGreaterThan(40);
  });

  it('rejects a range smaller than one slot', () => {
    expect(() => baseSlot('default', 'ws-a', { start: 3000, end: 3005 }, 10)).toThrow(/smaller than one slot/);
  });
});
