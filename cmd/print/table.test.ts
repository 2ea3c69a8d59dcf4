import { describe, expect, it } from 'vitest';
import { columnWidths, formatRow, formatTable } from './table.ts';

describe('formatTable', () => {
  it('aligns columns with three spaces and trims trailing whitespace', () => {
    const text = formatTable(
      ['NAME', 'PHASE', 'AGE'],
      [
        ['a', 'Running', '5s'],
        ['longer-name', 'Pending', ''],
      ],
    );
    expect(text).toBe('NAME          PHASE     AGE\na             Running   5s\nlonger-name   Pending\n');
  });

  it('prints only the header for no rows', () => {
    expect(formatTable(['NAME', 'AGE'], [])).toBe('NAME   AGE\n');
  });

  it('formats single rows against fixed widths (watch output)', () => {
    const widths = columnWidths(['NAME', 'AGE'], [['abc', '1s']]);
    expect(widths).toEqual([4, 3]);
    expect(formatRow(['x', '2m'], widths)).toBe('x      2m\n');
  });
});
