import { describe, expect, it } from 'vitest';
import { diffLines, splitLines, type Hunk } from './line-diff.ts';

/** Applies hunks to `before` with `after`'s new lines: must give `after`. */
function apply(before: string[], after: string[], hunks: Hunk[]): string[] {
  const out = [...before];
  for (const h of [...hunks].reverse()) out.splice(h.oldStart - 1, h.oldCount, ...after.slice(h.newStart - 1, h.newStart - 1 + h.newCount));
  return out;
}

describe('diffLines', () => {
  it('finds an insert in the middle', () => {
    expect(diffLines(['a', 'b', 'c'], ['a', 'x', 'y', 'b', 'c'])).toEqual([{ oldStart: 2, oldCount: 0, newStart: 2, newCount: 2 }]);
  });
  it('finds a replaced range and a deletion', () => {
    expect(diffLines(['1', '2', '3', '4', '5', '6'], ['1', 'B', 'C', '4', '6'])).toEqual([
      { oldStart: 2, oldCount: 2, newStart: 2, newCount: 2 },
      { oldStart: 5, oldCount: 1, newStart: 5, newCount: 0 },
    ]);
  });
  it('handles empty sides and identical input', () => {
    expect(diffLines([], ['a'])).toEqual([{ oldStart: 1, oldCount: 0, newStart: 1, newCount: 1 }]);
    expect(diffLines(['a'], [])).toEqual([{ oldStart: 1, oldCount: 1, newStart: 1, newCount: 0 }]);
    expect(diffLines(['a', 'b'], ['a', 'b'])).toEqual([]);
  });
  it('splits lines without a phantom last line', () => {
    expect(splitLines('a\nb\n')).toEqual(['a', 'b']);
    expect(splitLines('a\nb')).toEqual(['a', 'b']);
    expect(splitLines('')).toEqual([]);
  });
  it('always produces hunks that rebuild the new text (random edits)', () => {
    let seed = 7;
    const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let round = 0; round < 300; round++) {
      const before = Array.from({ length: rand(30) }, () => `l${rand(8)}`);
      const after = [...before];
      for (let e = rand(6); e > 0; e--) {
        const at = rand(after.length + 1);
        if (rand(2) === 0) after.splice(at, rand(3), ...Array.from({ length: rand(3) }, () => `n${rand(8)}`));
        else after.splice(at, 0, `i${rand(8)}`);
      }
      const hunks = diffLines(before, after);
      expect(apply(before, after, hunks)).toEqual(after);
      // Minimal enough: never more changed lines than a full replace.
      expect(hunks.reduce((s, h) => s + h.oldCount + h.newCount, 0)).toBeLessThanOrEqual(before.length + after.length);
    }
  });
});
