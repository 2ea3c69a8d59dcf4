import { describe, expect, it } from 'vitest';
import { withRepositoryLock } from './repository-lock.ts';

/** Resolves after `ms`. */
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('withRepositoryLock', () => {
  it('runs tasks of one key one at a time, in order', async () => {
    const events: string[] = [];
    const task = (name: string, ms: number) => async () => {
      events.push(`start ${name}`);
      await sleep(ms);
      events.push(`end ${name}`);
      return name;
    };
    const results = await Promise.all([withRepositoryLock('r', task('a', 20)), withRepositoryLock('r', task('b', 1)), withRepositoryLock('r', task('c', 1))]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('runs tasks of different keys concurrently', async () => {
    const events: string[] = [];
    await Promise.all(
      ['x', 'y'].map((key) =>
        withRepositoryLock(key, async () => {
          events.push(`start ${key}`);
          await sleep(10);
          events.push(`end ${key}`);
        }),
      ),
    );
    expect(events.slice(0, 2)).toEqual(['start x', 'start y']);
  });

  it('keeps going after a task fails, and passes the failure to its caller', async () => {
    const failed = withRepositoryLock('f', () => Promise.reject(new Error('boom')));
    const next = withRepositoryLock('f', () => Promise.resolve('ok'));
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ok');
  });
});
