import { describe, expect, it } from 'vitest';
import { FakeClock, realClock } from './clock.ts';

describe('FakeClock', () => {
  it('starts at the given time and moves only on advance', async () => {
    const clock = new FakeClock(new Date('2025-01-01T00:00:00Z'));
    expect(clock.now().toISOString()).toBe('2025-01-01T00:00:00.000Z');
    await clock.advance(1500);
    expect(clock.now().toISOString()).toBe('2025-01-01T00:00:01.500Z');
  });

  it('fires due timers in time order, ties in creation order, and not those beyond the target', async () => {
    const clock = new FakeClock();
    const fired: string[] = [];
    clock.setTimer(30, () => fired.push('c@30'));
    clock.setTimer(10, () => fired.push('a@10'));
    clock.setTimer(10, () => fired.push('b@10'));
    clock.setTimer(100, () => fired.push('late'));
    await clock.advance(50);
    expect(fired).toEqual(['a@10', 'b@10', 'c@30']);
    expect(clock.pendingTimers()).toBe(1);
    expect(clock.nextTimerAt()).toBe(100);
  });

  it('shows each callback the time it was due', async () => {
    const clock = new FakeClock();
    const seen: number[] = [];
    clock.setTimer(20, () => seen.push(clock.now().getTime()));
    clock.setTimer(40, () => seen.push(clock.now().getTime()));
    await clock.advance(100);
    expect(seen).toEqual([20, 40]);
    expect(clock.now().getTime()).toBe(100);
  });

  it('fires timers scheduled by callbacks and by async code resumed within the same advance', async () => {
    const clock = new FakeClock();
    const fired: number[] = [];
    const loop = async (): Promise<void> => {
      for (let i = 0; i < 3; i++) {
        await clock.sleep(10);
        fired.push(clock.now().getTime());
      }
    };
    const done = loop();
    await clock.advance(25);
    expect(fired).toEqual([10, 20]);
    await clock.advance(5);
    expect(fired).toEqual([10, 20, 30]);
    await done;
  });

  it('cancels timers', async () => {
    const clock = new FakeClock();
    let fired = false;
    const cancel = clock.setTimer(10, () => (fired = true));
    cancel();
    await clock.advance(20);
    expect(fired).toBe(false);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('rejects a sleep when its signal aborts and drops its timer', async () => {
    const clock = new FakeClock();
    const ac = new AbortController();
    const slept = clock.sleep(1000, ac.signal);
    ac.abort(new Error('stop'));
    await expect(slept).rejects.toThrow('stop');
    expect(clock.pendingTimers()).toBe(0);
    await expect(clock.sleep(10, ac.signal)).rejects.toThrow('stop');
  });

  it('fires a zero-delay timer on advance(0)', async () => {
    const clock = new FakeClock();
    let fired = false;
    clock.setTimer(0, () => (fired = true));
    expect(fired).toBe(false);
    await clock.advance(0);
    expect(fired).toBe(true);
  });
});

describe('realClock', () => {
  it('sleeps and cancels real timers', async () => {
    const start = Date.now();
    await realClock.sleep(5);
    expect(Date.now() - start).toBeGreaterThanOrEqual(4);
    let fired = false;
    realClock.setTimer(1, () => (fired = true))();
    await realClock.sleep(10);
    expect(fired).toBe(false);
  });
});
