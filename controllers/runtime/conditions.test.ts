import { describe, expect, it } from 'vitest';
import type { Condition } from '../../apis/meta.ts';
import { conditionsEqual, getCondition, isConditionTrue, setCondition, summarizeReady, toConditionReason, type ConditionInput } from './conditions.ts';
import { READY } from '../../apis/names/index.ts';

const T0 = new Date('2025-01-01T00:00:00Z');
const T1 = new Date('2025-01-01T00:01:00Z');

function cond(type: string, status: Condition['status'], reason = `${type}${status}`, extra: Partial<Condition> = {}): Condition {
  return { type, status, reason, message: `${type} is ${status}`, lastTransitionTime: T0.toISOString(), ...extra };
}

describe('setCondition', () => {
  const cases: {
    name: string;
    before: Condition[] | undefined;
    input: ConditionInput;
    after: Condition[];
  }[] = [
    {
      name: 'appends a new type with now as transition time',
      before: undefined,
      input: { type: READY, status: 'True', reason: 'Ready', message: 'ok', observedGeneration: 1 },
      after: [{ type: READY, status: 'True', reason: 'Ready', message: 'ok', observedGeneration: 1, lastTransitionTime: T1.toISOString() }],
    },
    {
      name: 'keeps the transition time when the status does not flip, overwriting reason/message/generation',
      before: [cond(READY, 'False', 'Old', { observedGeneration: 1 })],
      input: { type: READY, status: 'False', reason: 'New', message: 'still bad', observedGeneration: 2 },
      after: [{ type: READY, status: 'False', reason: 'New', message: 'still bad', observedGeneration: 2, lastTransitionTime: T0.toISOString() }],
    },
    {
      name: 'moves the transition time when the status flips',
      before: [cond(READY, 'False')],
      input: { type: READY, status: 'True', reason: 'Ready', message: 'ok' },
      after: [{ type: READY, status: 'True', reason: 'Ready', message: 'ok', lastTransitionTime: T1.toISOString() }],
    },
    {
      name: 'drops an observedGeneration the input does not carry',
      before: [cond('A', 'True', 'R', { observedGeneration: 4 })],
      input: { type: 'A', status: 'True', reason: 'R', message: 'm' },
      after: [{ type: 'A', status: 'True', reason: 'R', message: 'm', lastTransitionTime: T0.toISOString() }],
    },
    {
      name: 'keeps the position of the replaced entry and leaves others alone',
      before: [cond('A', 'True'), cond('B', 'Unknown'), cond('C', 'False')],
      input: { type: 'B', status: 'True', reason: 'Up', message: 'b up' },
      after: [
        cond('A', 'True'),
        { type: 'B', status: 'True', reason: 'Up', message: 'b up', lastTransitionTime: T1.toISOString() },
        cond('C', 'False'),
      ],
    },
  ];

  it.each(cases)('$name', ({ before, input, after }) => {
    const snapshot = structuredClone(before);
    expect(setCondition(before, input, T1)).toEqual(after);
    expect(before).toEqual(snapshot); // pure
  });
});

describe('getCondition / isConditionTrue / conditionsEqual', () => {
  const list = [cond('A', 'True'), cond('B', 'False')];
  it.each([
    ['A', true],
    ['B', false],
    ['C', false],
  ] as const)('%s → %s', (type, expected) => {
    expect(isConditionTrue(list, type)).toBe(expected);
  });
  it('finds by type', () => {
    expect(getCondition(list, 'B')?.reason).toBe('BFalse');
    expect(getCondition(undefined, 'B')).toBeUndefined();
  });
  it('compares lists', () => {
    expect(conditionsEqual(list, structuredClone(list))).toBe(true);
    expect(conditionsEqual(undefined, [])).toBe(true);
    expect(conditionsEqual(list, [list[0] as Condition])).toBe(false);
    expect(conditionsEqual(list, [cond('A', 'True'), cond('B', 'False', 'Other')])).toBe(false);
  });
});

describe('summarizeReady', () => {
  const cases: { name: string; conditions: Condition[]; types: string[]; expected: Omit<ConditionInput, 'type'> }[] = [
    {
      name: 'all True → True',
      conditions: [cond('A', 'True'), cond('B', 'True')],
      types: ['A', 'B'],
      expected: { status: 'True', reason: 'Ready', message: 'A, B are True' },
    },
    {
      name: 'first False wins with its reason, even after an Unknown',
      conditions: [cond('A', 'Unknown'), cond('B', 'False', 'PortTaken'), cond('C', 'False', 'Later')],
      types: ['A', 'B', 'C'],
      expected: { status: 'False', reason: 'PortTaken', message: 'B is False' },
    },
    {
      name: 'Unknown when any is Unknown and none False',
      conditions: [cond('A', 'True'), cond('B', 'Unknown', 'Starting')],
      types: ['A', 'B'],
      expected: { status: 'Unknown', reason: 'Starting', message: 'B is Unknown' },
    },
    {
      name: 'a missing sub-condition counts as Unknown',
      conditions: [cond('A', 'True')],
      types: ['A', 'Synced'],
      expected: { status: 'Unknown', reason: 'SyncedPending', message: 'Synced has not been reported yet' },
    },
    {
      name: 'conditions not listed are ignored',
      conditions: [cond('A', 'True'), cond('Other', 'False')],
      types: ['A'],
      expected: { status: 'True', reason: 'Ready', message: 'A is True' },
    },
    {
      name: 'no sub-conditions → True',
      conditions: [],
      types: [],
      expected: { status: 'True', reason: 'Ready', message: 'ready' },
    },
  ];

  it.each(cases)('$name', ({ conditions, types, expected }) => {
    expect(summarizeReady(conditions, types)).toEqual({ type: READY, ...expected });
  });

  it('carries the observed generation and feeds setCondition', () => {
    const ready = summarizeReady([cond('A', 'True')], ['A'], { observedGeneration: 3 });
    expect(ready.observedGeneration).toBe(3);
    expect(getCondition(setCondition([], ready, T0), READY)?.observedGeneration).toBe(3);
  });
});

describe('toConditionReason', () => {
  it.each([
    ['InvalidImage', 'InvalidImage'],
    ['invalid-image', 'InvalidImage'],
    ['port conflict', 'PortConflict'],
    ['example.com/Synced-Pending', 'ExampleComSyncedPending'],
    ['404', 'ReconcileFailed'],
    ['', 'ReconcileFailed'],
    ['--', 'ReconcileFailed'],
  ])('%j → %s', (text, expected) => {
    expect(toConditionReason(text)).toBe(expected);
  });
});
