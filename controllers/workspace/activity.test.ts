import { describe, expect, it } from 'vitest';
import { ActivityTracker } from './activity.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('ActivityTracker', () => {
  it('coalesces: many records ask for at most one reconcile per window per workspace', async () => {
    const enqueued: string[] = [];
    const tracker = new ActivityTracker({ enqueue: (k) => enqueued.push(k), coalesceMs: 100 });
    tracker.settled('ns/a', false); // the controller just wrote status
    for (let i = 0; i < 1000; i++) tracker.record('ns/a', 'connection on port web');
    tracker.record('ns/b', 'exec');
    await sleep(20);
    expect(enqueued).toEqual(['ns/b']); // b never flushed: at once; a waits for its window
    await sleep(120);
    expect(enqueued).toEqual(['ns/b', 'ns/a']);
    expect(tracker.latest('ns/a')?.what).toBe('connection on port web');
  });

  it('activity on an idle workspace enqueues at once and wake resolves when the controller resumed it', async () => {
    const enqueued: string[] = [];
    const tracker = new ActivityTracker({ enqueue: (k) => enqueued.push(k), coalesceMs: 10_000 });
    tracker.settled('ns/a', true);
    const woke = tracker.wake('ns/a', 'exec');
    expect(enqueued).toEqual(['ns/a']);
    tracker.settled('ns/a', false);
    expect(await woke).toBe(true);
    expect(await tracker.wake('ns/a', 'exec')).toBe(false); // not idle: nothing to wait for
  });

  it('a wake that never comes times out instead of hanging the caller', async () => {
    const tracker = new ActivityTracker({ wakeTimeoutMs: 50 });
    tracker.settled('ns/a', true);
    expect(await tracker.wake('ns/a', 'exec')).toBe(false);
  });

  it('activity while the controller was putting the workspace to sleep asks for a wake at once', () => {
    let now = new Date('2026-01-01T00:00:00Z');
    const enqueued: string[] = [];
    const tracker = new ActivityTracker({ enqueue: (k) => enqueued.push(k), now: () => now });
    tracker.settled('ns/a', false);
    const decidedAt = now;
    now = new Date(now.getTime() + 100);
    tracker.record('ns/a', 'connection on port web'); // during onSleep: not idle yet, coalesced
    expect(enqueued).toEqual([]);
    tracker.settled('ns/a', true, decidedAt);
    expect(enqueued).toEqual(['ns/a']);
  });
});
