import { describe, expect, it } from 'vitest';
import { FakeClock } from './clock.ts';
import { WorkQueue } from './workqueue.ts';

function newQueue(clock = new FakeClock()): { queue: WorkQueue; clock: FakeClock } {
  return { queue: new WorkQueue({ clock, backoff: { random: () => 0.5 } }), clock };
}

/** Collects every key currently handed out without waiting. */
async function drainNow(queue: WorkQueue): Promise<string[]> {
  const keys: string[] = [];
  while (queue.len() > 0) {
    const key = await queue.get();
    if (key === undefined) break;
    keys.push(key);
  }
  return keys;
}

describe('WorkQueue', () => {
  it('dedupes keys that wait and hands them out in FIFO order', async () => {
    const { queue } = newQueue();
    for (const key of ['a', 'b', 'a', 'c', 'b', 'a']) queue.add(key);
    expect(queue.len()).toBe(3);
    expect(await drainNow(queue)).toEqual(['a', 'b', 'c']);
    expect(queue.isIdle()).toBe(false); // three keys are processing
    expect(queue.processing()).toBe(3);
    for (const key of ['a', 'b', 'c']) queue.done(key);
    expect(queue.isIdle()).toBe(true);
  });

  it('never hands out a key that is processing; an add meanwhile re-queues it on done, once', async () => {
    const { queue } = newQueue();
    queue.add('a');
    expect(await queue.get()).toBe('a');
    queue.add('a');
    queue.add('a');
    expect(queue.len()).toBe(0);
    let second: string | undefined = 'none';
    void queue.get().then((k) => (second = k));
    await Promise.resolve();
    expect(second).toBe('none');
    queue.done('a');
    await Promise.resolve();
    expect(second).toBe('a');
    queue.done('a');
    expect(queue.isIdle()).toBe(true);
  });

  it('wakes a waiting get when a key is added', async () => {
    const { queue } = newQueue();
    const got = queue.get();
    queue.add('x');
    expect(await got).toBe('x');
  });

  it('adds after a delay through the clock, keeping the earliest deadline', async () => {
    const { queue, clock } = newQueue();
    queue.addAfter('k', 1000);
    queue.addAfter('k', 5000);
    queue.addAfter('k', 300);
    expect(queue.pendingDelayed()).toEqual([{ key: 'k', dueAt: 300, rateLimited: false }]);
    expect(clock.pendingTimers()).toBe(1);
    await clock.advance(299);
    expect(queue.len()).toBe(0);
    await clock.advance(1);
    expect(queue.len()).toBe(1);
    expect(queue.pendingDelayed()).toEqual([]);
    await clock.advance(10_000);
    expect(queue.len()).toBe(1);
  });

  it('adds immediately for a non-positive delay', () => {
    const { queue } = newQueue();
    queue.addAfter('now', 0);
    expect(queue.len()).toBe(1);
  });

  it('retries with growing backoff, reset by forget', async () => {
    const { queue, clock } = newQueue();
    expect(queue.addRateLimited('k')).toBe(100);
    expect(queue.pendingDelayed()).toEqual([{ key: 'k', dueAt: 100, rateLimited: true }]);
    await clock.advance(100);
    expect(await queue.get()).toBe('k');
    queue.done('k');
    expect(queue.addRateLimited('k')).toBe(200);
    expect(queue.numRequeues('k')).toBe(2);
    await clock.advance(200);
    expect(await queue.get()).toBe('k');
    queue.done('k');
    queue.forget('k');
    expect(queue.numRequeues('k')).toBe(0);
    expect(queue.addRateLimited('k')).toBe(100);
  });

  it('shutDown resolves waiting and later gets with undefined and drops pending work', async () => {
    const { queue, clock } = newQueue();
    const waiting = queue.get();
    queue.shutDown();
    expect(await waiting).toBeUndefined();
    queue.add('late');
    queue.addAfter('later', 10);
    expect(queue.len()).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
    expect(await queue.get()).toBeUndefined();
  });

  it('shutDown cancels delayed adds', async () => {
    const { queue, clock } = newQueue();
    queue.addAfter('k', 10);
    queue.add('w');
    queue.shutDown();
    expect(clock.pendingTimers()).toBe(0);
    expect(queue.pendingDelayed()).toEqual([]);
    expect(queue.len()).toBe(0);
  });

  it('shutDownWithDrain waits for keys being processed and does not re-queue dirty ones', async () => {
    const { queue } = newQueue();
    queue.add('a');
    const key = await queue.get();
    queue.add('a'); // dirty while processing
    let drained = false;
    const drain = queue.shutDownWithDrain().then(() => (drained = true));
    await Promise.resolve();
    expect(drained).toBe(false);
    queue.done(key ?? '');
    await drain;
    expect(drained).toBe(true);
    expect(queue.len()).toBe(0);
    expect(queue.isIdle()).toBe(true);
  });

  it('shutDownWithDrain resolves at once when nothing is processing', async () => {
    const { queue } = newQueue();
    await queue.shutDownWithDrain();
    expect(queue.isShuttingDown()).toBe(true);
  });
});
