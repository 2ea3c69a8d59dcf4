import { describe, expect, it } from 'vitest';
import { backoffDelay, createItemBackoff } from './backoff.ts';

describe('backoffDelay', () => {
  it.each([
    // failures, random, expected ms (defaults: base 100, factor 2, cap 60 s, jitter ±20 %)
    [0, 0.5, 100],
    [1, 0.5, 200],
    [2, 0.5, 400],
    [9, 0.5, 51_200],
    [10, 0.5, 60_000], // 102 400 capped
    [50, 0.5, 60_000],
    [0, 0, 80], // -20 %
    [0, 0.999999, 120], // +20 % (rounded)
    [3, 0, 640],
    [10, 0.999999, 60_000], // jitter never pushes past the cap
    [10, 0, 48_000], // but may bring a capped delay below it
  ])('failures=%i random=%f → %i ms', (failures, random, expected) => {
    expect(backoffDelay(failures, {}, random)).toBe(expected);
  });

  it('honours custom tuning', () => {
    expect(backoffDelay(2, { baseMs: 10, factor: 3, capMs: 1000, jitter: 0 }, 0)).toBe(90);
    expect(backoffDelay(5, { baseMs: 10, factor: 3, capMs: 1000, jitter: 0 }, 0)).toBe(1000);
  });
});

describe('createItemBackoff', () => {
  it('grows per key up to the cap and resets on forget', () => {
    const backoff = createItemBackoff({ random: () => 0.5 });
    const delays = Array.from({ length: 12 }, () => backoff.next('a'));
    expect(delays).toEqual([100, 200, 400, 800, 1600, 3200, 6400, 12_800, 25_600, 51_200, 60_000, 60_000]);
    expect(backoff.failures('a')).toBe(12);
    expect(backoff.next('b')).toBe(100);
    backoff.forget('a');
    expect(backoff.failures('a')).toBe(0);
    expect(backoff.next('a')).toBe(100);
  });

  it('applies jitter from the injected random source', () => {
    const values = [0, 1 - 1e-9, 0.25];
    const backoff = createItemBackoff({ random: () => values.shift() ?? 0.5 });
    expect([backoff.next('k'), backoff.next('k'), backoff.next('k')]).toEqual([80, 240, 360]);
  });
});
