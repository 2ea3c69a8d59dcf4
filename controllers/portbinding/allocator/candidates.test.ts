import { describe, expect, it } from 'vitest';
import { linearCandidates, slotCandidates } from './candidates.ts';

describe('slotCandidates', () => {
  it('tries the same offset in each slot from the base slot, wrapping around', () => {
    expect([...slotCandidates({ start: 100, end: 139 }, 10, 2, 1)]).toEqual([121, 131, 101, 111]);
  });

  it('ignores leftover ports after the last whole slot', () => {
    expect([...slotCandidates({ start: 100, end: 124 }, 10, 0, 9)]).toEqual([109, 119]);
  });
});

describe('linearCandidates', () => {
  it('tries every port once from the first index, wrapping around', () => {
    expect([...linearCandidates({ start: 3000, end: 3004 }, 3)]).toEqual([3003, 3004, 3000, 3001, 3002]);
    expect([...linearCandidates({ start: 3000, end: 3004 }, 7)]).toEqual([3002, 3003, 3004, 3000, 3001]);
    expect([...linearCandidates({ start: 80, end: 80 }, 0)]).toEqual([80]);
  });
});
