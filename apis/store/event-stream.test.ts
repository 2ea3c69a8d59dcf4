import { describe, expect, it } from 'vitest';
import { EventStream } from './event-stream.ts';

describe('EventStream', () => {
  it('delivers queued items, then items pushed while a consumer waits', async () => {
    const stream = new EventStream<number>();
    stream.push(1);
    expect(await stream.next()).toEqual({ value: 1, done: false });
    const waiting = stream.next();
    stream.push(2);
    expect(await waiting).toEqual({ value: 2, done: false });
  });

  it('delivers items queued before end, then the error once, then done', async () => {
    const stream = new EventStream<number>();
    stream.push(1);
    stream.end(new Error('boom'));
    stream.push(2);
    expect(await stream.next()).toEqual({ value: 1, done: false });
    await expect(stream.next()).rejects.toThrow('boom');
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });

  it('ends waiting consumers on return() and calls onEnd once', async () => {
    let ends = 0;
    const stream = new EventStream<number>(() => (ends += 1));
    const waiting = stream.next();
    await stream.return();
    expect(await waiting).toEqual({ value: undefined, done: true });
    stream.end(new Error('late'));
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    expect(ends).toBe(1);
    expect(stream.isEnded).toBe(true);
  });

  it('works with for await and break', async () => {
    const stream = new EventStream<number>();
    for (const n of [1, 2, 3]) stream.push(n);
    const seen: number[] = [];
    for await (const n of stream) {
      seen.push(n);
      if (n === 2) break;
    }
    expect(seen).toEqual([1, 2]);
    expect(stream.isEnded).toBe(true);
  });

  it('rejects a consumer already waiting when the stream fails', async () => {
    const stream = new EventStream<number>();
    const waiting = stream.next();
    stream.end(new Error('gone'));
    await expect(waiting).rejects.toThrow('gone');
  });
});
