import { describe, expect, it } from 'vitest';
import { BoulderError } from '../errors.ts';
import { compileLabelSelector, labelKeyProblem, parseLabelSelector } from './label-selector.ts';

describe('parseLabelSelector', () => {
  it.each([
    ['', []],
    ['   ', []],
    ['a=b', [{ key: 'a', operator: '=', values: ['b'] }]],
    ['a==b', [{ key: 'a', operator: '=', values: ['b'] }]],
    ['a!=b', [{ key: 'a', operator: '!=', values: ['b'] }]],
    ['a=', [{ key: 'a', operator: '=', values: [''] }]],
    ['a in (x,y)', [{ key: 'a', operator: 'in', values: ['x', 'y'] }]],
    ['a notin (x)', [{ key: 'a', operator: 'notin', values: ['x'] }]],
    ['a', [{ key: 'a', operator: 'exists', values: [] }]],
    ['!a', [{ key: 'a', operator: '!exists', values: [] }]],
    [
      ' app.kubernetes.io/name = web , tier in ( a , b ) ,! legacy,env',
      [
        { key: 'app.kubernetes.io/name', operator: '=', values: ['web'] },
        { key: 'tier', operator: 'in', values: ['a', 'b'] },
        { key: 'legacy', operator: '!exists', values: [] },
        { key: 'env', operator: 'exists', values: [] },
      ],
    ],
    ['a in(x),b notin(y,z)', [
      { key: 'a', operator: 'in', values: ['x'] },
      { key: 'b', operator: 'notin', values: ['y', 'z'] },
    ]],
    ['nexus.dev/workspace=my-ws_1.0', [{ key: 'nexus.dev/workspace', operator: '=', values: ['my-ws_1.0'] }]],
  ])('parses %j', (selector, expected) => {
    expect(parseLabelSelector(selector)).toEqual(expected);
  });

  it.each([
    ['a=b,', 5, 'expected a label key, found end of selector'],
    [',a', 1, 'expected a label key'],
    ['a b', 3, "expected an operator"],
    ['a in x', 6, "expected '(' to start the value list"],
    ['a in (x', 8, "expected ',' or ')'"],
    ['a in (x y)', 9, "expected ',' or ')' in the value list, found 'y'"],
    ['a=b=c', 4, "expected ',' or end of selector, found '='"],
    ['a=(b)', 3, 'expected a label value'],
    ['-bad=x', 1, "invalid label key '-bad'"],
    ['Bad.Prefix/x=y', 1, 'the prefix must be a DNS subdomain'],
    ['a=-x', 3, "invalid label value '-x'"],
    ['a notin (x,-y)', 12, "invalid label value '-y'"],
    ['!', 2, 'expected a label key, found end of selector'],
    ['a=b)', 4, "expected ',' or end of selector, found ')'"],
    ['in=x', 1, "expected a label key, found 'in'"],
  ])('rejects %j at position %i', (selector, position, message) => {
    let caught: unknown;
    try {
      parseLabelSelector(selector);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(BoulderError);
    const err = caught as BoulderError;
    expect(err.code).toBe('BadRequest');
    expect(err.message).toContain(`invalid label selector "${selector}": at position ${position}: `);
    expect(err.message).toContain(message);
  });
});

describe('compileLabelSelector', () => {
  const labels = { app: 'web', tier: 'front', empty: '' };
  it.each([
    [undefined, true],
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app=db', false],
    ['app!=db', true],
    ['app!=web', false],
    ['missing!=x', true],
    ['app in (db,web)', true],
    ['app in (db)', false],
    ['missing in (x)', false],
    ['app notin (db)', true],
    ['app notin (web)', false],
    ['missing notin (x)', true],
    ['app', true],
    ['missing', false],
    ['!missing', true],
    ['!app', false],
    ['empty=', true],
    ['empty', true],
    ['app=web,tier=front', true],
    ['app=web,tier=back', false],
  ])('%j matches %j → %s', (selector, expected) => {
    expect(compileLabelSelector(selector)(labels)).toBe(expected);
  });

  it('treats missing labels as an empty set', () => {
    expect(compileLabelSelector('!a,b!=c')(undefined)).toBe(true);
    expect(compileLabelSelector('a')(undefined)).toBe(false);
  });

  it('does not match inherited properties as labels', () => {
    expect(compileLabelSelector('toString')({})).toBe(false);
  });
});

describe('labelKeyProblem', () => {
  it.each([
    ['a', undefined],
    ['nexus.dev/workspace', undefined],
    ['x'.repeat(63), undefined],
    ['x'.repeat(64), 'name'],
    ['/a', 'prefix'],
    ['a/', 'name'],
  ])('%j', (key, problem) => {
    const found = labelKeyProblem(key);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(problem);
  });
});
