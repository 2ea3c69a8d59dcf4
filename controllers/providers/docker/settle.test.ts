import { describe, expect, it } from 'vitest';
import { allSettled } from './settle.ts';

describe('allSettled', () => {
  it('resolves values in order', async () => {
    expect(await allSettled([Promise.resolve(1), 'two', Promise.resolve(undefined)] as const)).toEqual([1, 'two', undefined]);
  });

  it('waits for every promise before rejecting with the first failure', async () => {
    let slowDone = false;
    const slow = new Promise<void>((resolve) => setTimeout(() => {
      slowDone = true;
      resolve();
    }, 30));
    await expect(allSettled([Promise.reject(new Error('first')), slow, Promise.reject(new Error('second'))])).rejects.toThrow('first');
    expect(slowDone).toBe(true);
  });
});
