import { describe, expect, it } from 'vitest';
import { FakeClock } from './clock.ts';
import { TerminalError } from './errors.ts';
import { concurrently, concurrentlyAs, finish, found, runSteps, stepNames, type Step, type StepTimer } from './steps.ts';

/** What the test steps share: a log of what happened, in order. */
interface Scope {
  log: string[];
  found?: string;
}

function step(name: string, run: Step<Scope>['run'], extra: Partial<Step<Scope>> = {}): Step<Scope> {
  return { name, run, ...extra };
}

/** Records how long each phase took on `clock` (the Workspace's PhaseTimer does this on performance.now). */
function fakeTimer(clock: FakeClock): StepTimer & { phases: Record<string, number> } {
  const phases: Record<string, number> = {};
  return {
    phases,
    async time(phase, run) {
      const started = clock.now().getTime();
      try {
        return await run();
      } finally {
        phases[phase] = (phases[phase] ?? 0) + clock.now().getTime() - started;
      }
    },
  };
}

/** Runs `promise` to its end while moving `clock` forward in 1 ms ticks (at most `limitMs`). */
async function driven<T>(clock: FakeClock, promise: Promise<T>, limitMs = 1_000): Promise<T> {
  let done = false;
  const tracked = promise.finally(() => {
    done = true;
  });
  tracked.catch(() => undefined);
  for (let i = 0; i < limitMs && !done; i++) await clock.advance(1);
  return tracked;
}

describe('runSteps', () => {
  it('runs the steps in order over one scope; a finishing step ends the list with its result', async () => {
    const scope: Scope = { log: [] };
    const result = await runSteps(
      [
        step('read', async (s) => {
          s.log.push('read');
          s.found = 'x';
        }),
        step('wait', async (s) => {
          s.log.push(`wait saw ${s.found}`);
          return finish({ requeueAfter: 500 });
        }),
        step('never', async (s) => {
          s.log.push('never');
        }),
      ],
      scope,
    );
    expect(result).toEqual({ requeueAfter: 500 });
    expect(scope.log).toEqual(['read', 'wait saw x']);
  });

  it('returns undefined when every step ran, and a finish without a result is undefined too', async () => {
    expect(await runSteps([step('a', async () => undefined)], { log: [] })).toBeUndefined();
    const scope: Scope = { log: [] };
    expect(await runSteps([step('a', async () => finish()), step('b', async (s) => void s.log.push('b'))], scope)).toBeUndefined();
    expect(scope.log).toEqual([]);
  });
});

describe('runSteps: a failing step', () => {
  it("records a failing step's condition, throws what the recorder returns and stops the list", async () => {
    const scope: Scope = { log: [] };
    const recorded: string[] = [];
    const cause = new Error('engine gone');
    const terminal = new TerminalError('EngineGone', 'engine gone');
    const run = runSteps(
      [
        step('ensure', async () => Promise.reject(cause), { condition: 'ContainerReady' }),
        step('after', async (s) => void s.log.push('after')),
      ],
      scope,
      {
        recordFailure: async (condition, err, name) => {
          recorded.push(`${name}: ${condition}: ${(err as Error).message}`);
          return terminal;
        },
      },
    );
    await expect(run).rejects.toBe(terminal);
    expect(recorded).toEqual(['ensure: ContainerReady: engine gone']);
    expect(scope.log).toEqual([]);
  });

  it('lets the failure of a step without a condition propagate as is, unrecorded', async () => {
    const recorded: string[] = [];
    const cause = new Error('store unavailable');
    const run = runSteps([step('portBindings', async () => Promise.reject(cause))], { log: [] }, {
      recordFailure: async (condition) => {
        recorded.push(condition);
        return new Error('not this');
      },
    });
    await expect(run).rejects.toBe(cause);
    expect(recorded).toEqual([]);
  });

  it('without a recorder, a failing step with a condition propagates its own error', async () => {
    const cause = new Error('boom');
    await expect(runSteps([step('a', async () => Promise.reject(cause), { condition: 'Ready' })], { log: [] })).rejects.toBe(cause);
  });
});

describe('runSteps: when', () => {
  it('skips a step whose `when` is false, asked just before it would run (after earlier steps filled the scope)', async () => {
    const scope: Scope = { log: [] };
    const asked: (string | undefined)[] = [];
    await runSteps(
      [
        step('hook', async (s) => void s.log.push('hook before'), { when: (s) => (asked.push(s.found), s.found !== undefined) }),
        step('read', async (s) => void (s.found = 'running')),
        step('hook2', async (s) => void s.log.push('hook after'), { when: (s) => (asked.push(s.found), s.found !== undefined) }),
      ],
      scope,
    );
    expect(asked).toEqual([undefined, 'running']);
    expect(scope.log).toEqual(['hook after']);
  });
});

describe('concurrently', () => {
  it('runs a group at the same time, waits for every step, records each failure and throws the first in list order', async () => {
    const clock = new FakeClock();
    const scope: Scope = { log: [] };
    const recorded: string[] = [];
    const run = runSteps(
      [
        concurrently(
          step('worktree', async (s) => {
            await clock.sleep(30);
            s.log.push('worktree failed at 30');
            throw new Error('worktree');
          }, { condition: 'WorktreeReady' }),
          step('secrets', async (s) => {
            await clock.sleep(10);
            s.log.push('secrets failed at 10');
            throw new Error('secrets');
          }, { condition: 'ContainerReady' }),
          step('observe', async (s) => {
            await clock.sleep(50);
            s.log.push('observe done at 50');
          }, { condition: 'ContainerReady' }),
        ),
        step('after', async (s) => void s.log.push('after')),
      ],
      scope,
      {
        recordFailure: async (condition, err, name) => {
          recorded.push(`${name}/${condition}/${(err as Error).message}`);
          return err;
        },
      },
    );
    await expect(driven(clock, run)).rejects.toThrow('worktree');
    // The group ended only after its slowest step, and nothing after the group ran.
    expect(scope.log).toEqual(['secrets failed at 10', 'worktree failed at 30', 'observe done at 50']);
    expect(recorded).toEqual(['secrets/ContainerReady/secrets', 'worktree/WorktreeReady/worktree']);
    expect(clock.now().getTime()).toBeGreaterThanOrEqual(50);
  });

  it('goes on after a group that succeeded, and a finish inside a group ends the list after the whole group', async () => {
    const scope: Scope = { log: [] };
    const result = await runSteps(
      [
        concurrently(
          step('a', async (s) => void s.log.push('a')),
          step('b', async (s) => {
            s.log.push('b');
            return finish({ requeueAfter: 7 });
          }),
          step('c', async (s) => void s.log.push('c')),
        ),
        step('after', async (s) => void s.log.push('after')),
      ],
      scope,
    );
    expect(result).toEqual({ requeueAfter: 7 });
    expect(scope.log).toEqual(['a', 'b', 'c']);
  });
});

describe('phases', () => {
  it('times steps that name a phase on the timer (also failing ones), adds up a phase named twice, and never times a skipped step', async () => {
    const clock = new FakeClock();
    const timer = fakeTimer(clock);
    const sleeping = (ms: number) => async () => void (await clock.sleep(ms));
    const run = runSteps(
      [
        step('worktree', sleeping(40), { phase: 'worktree' }),
        step('onSleep', sleeping(5), { phase: 'hooks' }),
        step('desired', sleeping(3)),
        step('onWake', sleeping(7), { phase: 'hooks' }),
        step('never', sleeping(100), { phase: 'skipped', when: () => false }),
        step('ensure', async () => {
          await clock.sleep(20);
          throw new Error('failed after 20 ms');
        }, { phase: 'ensure', condition: 'ContainerReady' }),
      ],
      { log: [] },
      { timer, recordFailure: async (_condition, err) => err },
    );
    await expect(driven(clock, run)).rejects.toThrow('failed after 20 ms');
    expect(timer.phases).toEqual({ worktree: 40, hooks: 12, ensure: 20 });
  });
  it('times a group named by concurrentlyAs as a whole (its wall), while each step keeps its own duration', async () => {
    const clock = new FakeClock();
    const timer = fakeTimer(clock);
    const sleeping = (ms: number) => async () => void (await clock.sleep(ms));
    const run = runSteps(
      [
        concurrentlyAs('inputs', step('worktree', sleeping(40), { phase: 'worktree' }), step('prepare', sleeping(70), { phase: 'prepare' }), step('observe', sleeping(7), { phase: 'observe' })),
        step('ensure', sleeping(20), { phase: 'ensure' }),
      ],
      { log: [] },
      { timer },
    );
    await driven(clock, run);
    // The overlapping steps add up to 117 ms, the group took the wall of its slowest step.
    expect(timer.phases).toEqual({ worktree: 40, prepare: 70, observe: 7, inputs: 70, ensure: 20 });
  });
});

describe('stepNames', () => {
  it('lists the names in order, a group in its order', () => {
    const a = step('a', async () => undefined);
    const b = step('b', async () => undefined);
    const c = step('c', async () => undefined);
    expect(stepNames([a, concurrently(b, c), a])).toEqual(['a', 'b', 'c', 'a']);
  });
});

describe('found', () => {
  it("returns what an earlier step set, and names the step that has not run instead of failing later on undefined", () => {
    expect(found('x', 'read')).toBe('x');
    expect(found(0, 'read')).toBe(0);
    expect(() => found(undefined, 'observe')).toThrow('step observe has not run yet');
  });
});
