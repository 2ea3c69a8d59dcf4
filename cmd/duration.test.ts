import { describe, expect, it } from 'vitest';
import { UsageError } from './cli-error.ts';
import { parseDuration } from '../apis/duration.ts';
import { durationFlag } from './duration.ts';

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['500ms', 500],
    ['2m', 120_000],
    ['1h30m', 5_400_000],
    ['1m30s', 90_000],
    ['1.5s', 1500],
    ['10', 10_000],
    ['0', 0],
  ])('%s → %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 'abc', '10x', '5 m', 's', '1h-2m'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('uses the fallback when the flag is absent and fails as a usage error when malformed', () => {
    expect(durationFlag(undefined, 42, 'timeout', 'wait')).toBe(42);
    expect(() => durationFlag('soon', 42, 'timeout', 'wait')).toThrow(UsageError);
    expect(() => durationFlag('soon', 42, 'timeout', 'wait')).toThrow('invalid duration "soon" for --timeout');
  });
});
