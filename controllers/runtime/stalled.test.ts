import { describe, expect, it } from 'vitest';
import type { Condition } from '../../apis/meta.ts';
import { settleStalled } from './stalled.ts';

const at = '2026-01-01T00:00:00Z';
const cond = (type: string, status: Condition['status'], reason: string, observedGeneration = 2): Condition => ({ type, status, reason, message: reason, observedGeneration, lastTransitionTime: at });

describe('settleStalled', () => {
  it('keeps Stalled while Ready reports the same failure for the same generation', () => {
    const status = { conditions: [cond('Ready', 'False', 'NotAGitRepository'), cond('Stalled', 'True', 'NotAGitRepository')] };
    expect(settleStalled(status)).toBe(status);
  });

  it.each([
    ['Ready turned True', cond('Ready', 'True', 'Ready')],
    ['a different (transient) failure', cond('Ready', 'False', 'ReconcileError')],
    ['a cleanup failure', cond('Ready', 'False', 'CleanupFailed')],
    ['a new generation', cond('Ready', 'False', 'NotAGitRepository', 3)],
  ])('drops it once %s', (_what, ready) => {
    const status = { phase: 'Running', conditions: [ready, cond('Stalled', 'True', 'NotAGitRepository')] };
    expect(settleStalled(status)).toEqual({ phase: 'Running', conditions: [ready] });
  });

  it('leaves statuses without Stalled or conditions alone', () => {
    const plain = { conditions: [cond('Ready', 'False', 'X')] };
    expect(settleStalled(plain)).toBe(plain);
    expect(settleStalled(undefined)).toBeUndefined();
    expect(settleStalled({ phase: 'Pending' })).toEqual({ phase: 'Pending' });
  });
});
