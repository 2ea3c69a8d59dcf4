import { describe, expect, it } from 'vitest';
import { KeyedLock } from './keyed-lock.ts';

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('KeyedLock', () => {
  it('runs work for one key one at a time, in call order, even after a failure', async () => {
    const lock = new KeyedLock();
    const events: string[] = [];
    const job = (name: string, ms: number, fail = false) => async (): Promise<string> => {
      events.push(`start ${name}`);
      await tick(ms);
      events.push(`end ${name}`);
      if (fail) throw new Error(name);
      return name;
    };
    const results = await Promise.allSettled([lock.run('k', job('a', 20, true)), lock.run('k', job('b', 1)), lock.run('k', job('c', 1))]);
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
  });

  it('lets different keys run at the same time', async () => {
    const lock = new KeyedLock();
    const events: string[] = [];
    await Promise.all(
      ['x', 'y'].map((key) =>
        lock.run(key, async () => {
          events.push(`start ${key}`);
          await tick(10);
          events.push(`end ${key}`);
        }),
      ),
    );
    expect(events.slice(0, 2)).toEqual(['start x', 'start y']);
  });
});
