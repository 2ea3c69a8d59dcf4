import { describe, expect, it } from 'vitest';
import { formatConfigDuration, parseConfigDuration, parseDuration } from './duration.ts';

describe('parseConfigDuration', () => {
  it.each([
    ['30m', 1_800_000],
    ['1h', 3_600_000],
    ['2h30m', 9_000_000],
    ['45s', 45_000],
    ['1h0m5s', 3_605_000],
    ['90m', 5_400_000],
    ['0m', 0],
  ])('%s → %i ms', (text, ms) => expect(parseConfigDuration(text)).toBe(ms));

  it.each(['', '1', '1.5h', '30 m', '1d', '30m1h', 'h', '1H', '-1h', '1h 30m'])('rejects %j', (text) => expect(parseConfigDuration(text)).toBeUndefined());
});

describe('formatConfigDuration', () => {
  it.each([
    [9_000_000, '2h30m'],
    [45_000, '45s'],
    [3_605_000, '1h5s'],
    [0, '0s'],
  ])('%i ms → %s', (ms, text) => expect(formatConfigDuration(ms)).toBe(text));

  it('round-trips through the parser', () => {
    for (const text of ['30m', '1h', '2h30m', '5h59m59s']) expect(formatConfigDuration(parseConfigDuration(text)!)).toBe(text);
  });
});

describe('one grammar', () => {
  it('a configuration duration means the same on the command line', () => {
    for (const text of ['45s', '30m', '1h', '2h30m', '1h0m5s', '90m', '0s']) expect(parseDuration(text)).toBe(parseConfigDuration(text));
  });

  it('the command-line forms beyond it are not configuration durations', () => {
    for (const text of ['500ms', '1.5s', '10', '30s1h', '1m1m']) {
      expect(parseDuration(text)).toBeDefined();
      expect(parseConfigDuration(text)).toBeUndefined();
    }
  });
});
