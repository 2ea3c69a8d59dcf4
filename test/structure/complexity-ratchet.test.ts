/**
 * The complexity ratchet (issue 12, item 9): a function over the limit passes only when the
 * baseline lists it with a ceiling it does not exceed; a new or worsened one fails lint.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Linter } from 'eslint';
import { describe, expect, it } from 'vitest';
import { COMPLEXITY_MAX, complexityRatchetRule, formatBaseline, judge, readBaseline, type ComplexityBaseline } from './complexity-ratchet.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A function `name` of complexity `n` (1 + n - 1 ifs). */
function fn(name: string, n: number): string {
  return `function ${name}(x) {\n${Array.from({ length: n - 1 }, (_v, i) => `  if (x === ${i}) return ${i};`).join('\n')}\n  return -1;\n}\n`;
}

function lint(code: string, baseline: ComplexityBaseline): string[] {
  const linter = new Linter();
  const config = [{ files: ['**/*.js'], plugins: { boulder: { rules: { complexity: complexityRatchetRule(() => baseline) } } }, rules: { 'boulder/complexity': 'error' as const } }];
  return linter.verify(code, config, { filename: join(ROOT, 'sample.js') }).map((m) => m.message);
}

describe('complexity ratchet', () => {
  it('passes functions within the limit, or within their ceiling', () => {
    expect(lint(fn('small', COMPLEXITY_MAX), {})).toEqual([]);
    expect(lint(fn('big', 20), { 'sample.js': { "Function 'big'": [20] } })).toEqual([]);
    expect(lint(fn('big', 15), { 'sample.js': { "Function 'big'": [20] } })).toEqual([]);
  });

  it('fails a new function over the limit and a function worse than its ceiling', () => {
    expect(lint(fn('fresh', 13), {})).toEqual([expect.stringContaining("Function 'fresh' has a complexity of 13. Maximum allowed is 12 (it is not in eslint-complexity-baseline.json")]);
    expect(lint(fn('big', 21), { 'sample.js': { "Function 'big'": [20] } })).toEqual([expect.stringContaining('above its ceiling of 20')]);
    // The baseline of another file does not count.
    expect(lint(fn('big', 20), { 'other.js': { "Function 'big'": [20] } })).toHaveLength(1);
  });

  it('compares same-named functions as sorted lists', () => {
    expect(judge([{ name: 'a', complexity: 14 }, { name: 'a', complexity: 16 }], { a: [16, 14] })).toEqual([]);
    expect(judge([{ name: 'a', complexity: 15 }, { name: 'a', complexity: 15 }], { a: [16, 14] })).toEqual([{ index: 1, ceiling: 14 }]);
    expect(judge([{ name: 'a', complexity: 13 }, { name: 'a', complexity: 13 }], { a: [16] })).toEqual([{ index: 1, ceiling: undefined }]);
  });

  it('has a committed baseline made for the limit, sorted as the generator writes it', () => {
    const baseline = readBaseline();
    expect(Object.keys(baseline).length).toBeGreaterThan(0);
    for (const byName of Object.values(baseline)) for (const list of Object.values(byName)) for (const n of list) expect(n).toBeGreaterThan(COMPLEXITY_MAX);
    expect(formatBaseline(baseline)).toBe(formatBaseline(JSON.parse(formatBaseline(baseline)).functions as ComplexityBaseline));
  });
});
