import { describe, expect, it } from 'vitest';
import { DEFAULT_PORT_RANGES, RESERVED_PORTS, parsePortRange, portRangeProblems, rangesOverlap } from './port-plan.ts';

describe('parsePortRange', () => {
  it.each([
    ['33000-33999', { start: 33000, end: 33999 }],
    [' 40000 - 40100 ', { start: 40000, end: 40100 }],
  ])('%j', (text, range) => expect(parsePortRange(text)).toEqual(range));
  it.each(['33000', '33000-', 'a-b', '33000:33999', '1-2-3', '123456-2'])('rejects %j', (text) => expect(parsePortRange(text)).toBeUndefined());
});

describe('portRangeProblems', () => {
  it.each([
    [{ start: 33000, end: 33999 }, []],
    [{ start: 1024, end: 1033 }, []],
    [{ start: 32800, end: 34999 }, []],
    [{ start: 34000, end: 33000 }, ['34000-33000: start (34000) is after end (33000)']],
    [{ start: 80, end: 8080 }, ['80-8080 is outside the allowed ports 1024-65535']],
    [{ start: 32760, end: 32770 }, ['32760-32770 overlaps the reserved ports 32768-32799']],
    [{ start: 32799, end: 32799 }, ['32799-32799 overlaps the reserved ports 32768-32799', '32799-32799 holds 1 ports; a workspace takes 10']],
    [{ start: 40000, end: 40008 }, ['40000-40008 holds 9 ports; a workspace takes 10']],
  ])('%j', (range, problems) => expect(portRangeProblems(range)).toEqual(problems));

  it('keeps the default plan consistent: backend ranges never overlap the reserved one or each other', () => {
    const ranges = Object.values(DEFAULT_PORT_RANGES);
    for (const range of ranges) expect(rangesOverlap(range, RESERVED_PORTS)).toBe(false);
    expect(rangesOverlap(DEFAULT_PORT_RANGES.docker, DEFAULT_PORT_RANGES.sprite)).toBe(false);
    expect(rangesOverlap(DEFAULT_PORT_RANGES.sprite, DEFAULT_PORT_RANGES.dynamic)).toBe(false);
  });
});
