import { describe, expect, it } from 'vitest';
import { ValidationError, formatFieldIssue } from '../errors.ts';
import { blankJsoncExtras, parseJsonc } from './jsonc.ts';

function errorOf(text: string): string {
  try {
    parseJsonc(text, 'dc.json');
  } catch (err) {
    if (err instanceof ValidationError) return err.issues.map(formatFieldIssue).join('\n');
    throw err;
  }
  return '';
}

describe('parseJsonc', () => {
  it('accepts comments and trailing commas, but not inside strings', () => {
    const text = `// head\n{\n  "a": "http://x/*y*/", /* block\n comment */ "b": [1, 2,],\n  "c": {"d": "\\"// not a comment",},\n}\n`;
    expect(parseJsonc(text, 'dc.json')).toEqual({ a: 'http://x/*y*/', b: [1, 2], c: { d: '"// not a comment' } });
    expect(parseJsonc('\uFEFF{"a": 1 // end\n}', 'x')).toEqual({ a: 1 });
    expect(parseJsonc('[1, /* c */ ,]'.replace(', /* c */ ,', ', 2 /* c */ ,'), 'x')).toEqual([1, 2]);
  });

  it('keeps positions: blanking replaces characters one for one and keeps newlines', () => {
    const text = '{ // c\n "a": 1, /* x\ny */ }';
    const blanked = blankJsoncExtras(text);
    expect(blanked).toHaveLength(text.length);
    expect(blanked.split('\n')).toHaveLength(3);
  });

  it.each([
    ['{\n  "a": 1\n  "b": 2\n}', "dc.json:3:3: not valid JSON (with comments): Expected ',' or '}' after property value"],
    ['{\n  "a": tru\n}', 'dc.json:2:8: not valid JSON (with comments)'],
    ["{'a': 1}", 'dc.json:1:2: not valid JSON (with comments)'],
    ['{"a": [1, 2', 'dc.json:1:12: not valid JSON (with comments)'],
  ])('reports %j at file:line:col', (text, message) => expect(errorOf(text)).toContain(message));
});
