import { describe, expect, it } from 'vitest';
import { PhaseTimer } from './phase-timer.ts';

describe('PhaseTimer', () => {
  it('times steps (also failing ones), adds repeated phases and prefixes a provider\'s own', async () => {
    let now = 0;
    const timer = new PhaseTimer(() => now);
    await timer.time('worktree', () => {
      now += 12.34;
      return Promise.resolve();
    });
    await expect(timer.time('ensure', () => {
      now += 5;
      return Promise.reject(new Error('boom'));
    })).rejects.toThrow('boom');
    timer.record('hooks', 1);
    timer.record('hooks', 2);
    timer.recordAll('ensure', { create: 3.05, start: 1 });
    expect(timer.snapshot()).toEqual({ worktree: 12.3, ensure: 5, hooks: 3, 'ensure.create': 3.1, 'ensure.start': 1 });
    now += 0.5;
    timer.recordWall('converge');
    expect(timer.snapshot()['converge']).toBe(17.8);
  });

  it('keeps each timed phase\'s span (first start, last end), so overlapping phases show as intersecting spans', async () => {
    let now = 100;
    const timer = new PhaseTimer(() => now);
    now += 1;
    await timer.time('worktree', () => {
      now += 2;
      return Promise.resolve();
    });
    let finishWorktree: () => void = () => undefined;
    const alongside = timer.time('worktree', () => new Promise<void>((resolve) => (finishWorktree = resolve)));
    now += 4;
    const ensure = timer.time('ensure', () => {
      now += 10;
      return Promise.resolve();
    });
    await ensure;
    now += 5;
    finishWorktree();
    await alongside;
    timer.record('hooks', 1);
    expect(timer.spans()).toEqual({ worktree: [1, 22], ensure: [7, 17] });
  });
});
