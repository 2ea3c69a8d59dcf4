import { describe, expect, it } from 'vitest';
import { offsetAmong, planPortOffsets, portOffset } from './port-offset.ts';

describe('portOffset', () => {
  it.each([
    // name, index among role-less ports, offset
    ['ssh', 0, 0],
    ['web', 0, 1],
    ['http', 3, 1], // role ports ignore the index
    ['api', 0, 2],
    ['server', 0, 2],
    ['database', 0, 3],
    ['mongodb', 0, 3],
    ['cache', 0, 4],
    ['valkey', 0, 4],
    ['metrics', 0, 5],
    ['docs', 1, 6],
    ['grafana', 2, 7],
    ['jaeger', 3, 8],
    ['minio', 4, 9],
    ['mailhog', 5, undefined], // the 6th role-less port overflows
    ['more', 17, undefined],
  ])('%s #%i → %s', (name, index, offset) => {
    expect(portOffset(name, index)).toBe(offset);
  });

  it('rejects a negative or fractional index', () => {
    expect(() => portOffset('metrics', -1)).toThrow(RangeError);
    expect(() => portOffset('metrics', 1.5)).toThrow(RangeError);
  });
});

describe('planPortOffsets', () => {
  it('gives roles their offsets and the rest 5–9 in declaration order, then overflow', () => {
    const plan = planPortOffsets(['metrics', 'web', 'a', 'postgres-5432', 'b', 'ssh', 'c', 'd', 'redis-6379', 'e', 'api']);
    expect(Object.fromEntries(plan)).toEqual({
      metrics: 5,
      web: 1,
      a: 6,
      'postgres-5432': 3,
      b: 7,
      ssh: 0,
      c: 8,
      d: 9,
      'redis-6379': 4,
      e: undefined,
      api: 2,
    });
  });

  it('treats a second port of an already claimed role as a role-less one', () => {
    expect(Object.fromEntries(planPortOffsets(['web', 'http', 'db', 'mysql']))).toEqual({ web: 1, http: 5, db: 3, mysql: 6 });
  });

  it('counts a duplicated name once', () => {
    expect(Object.fromEntries(planPortOffsets(['x', 'x', 'y']))).toEqual({ x: 5, y: 6 });
  });
});

describe('offsetAmong', () => {
  it('finds the port in the workspace list, or appends it', () => {
    expect(offsetAmong('b', ['a', 'b'])).toBe(6);
    expect(offsetAmong('standalone', ['a', 'b'])).toBe(7);
    expect(offsetAmong('web', [])).toBe(1);
    expect(offsetAmong('metrics', [])).toBe(5);
  });
});
