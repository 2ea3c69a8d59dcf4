import { describe, expect, it } from 'vitest';
import { ValidationError, formatFieldIssue } from '../errors.ts';
import { MAX_JSONC_DEPTH, parseJsonc } from './jsonc.ts';

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
    expect(parseJsonc('[1, 2 /* c */ ,]', 'x')).toEqual([1, 2]);
  });

  it('gives what JSON.parse gives for valid JSON: scalars, nesting, duplicate keys, key order', () => {
    const text = '{"b": [true, false, null, -1.5e3, "\\u00e9\\n"], "a": {"x": {}}, "2": [], "1": 0, "b": "last"}';
    const parsed = parseJsonc(text, 'x');
    expect(parsed).toStrictEqual(JSON.parse(text));
    expect(Object.keys(parsed as object)).toEqual(Object.keys(JSON.parse(text) as object));
    expect(parseJsonc(' "s" ', 'x')).toBe('s');
  });

  it('keeps a __proto__ key as an own property, never as the prototype', () => {
    const parsed = parseJsonc('{"__proto__": {"image": "attacker/image"}, "name": "x"}', 'x') as Record<string, unknown>;
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(parsed['image']).toBeUndefined();
    expect(Object.keys(parsed)).toEqual(['__proto__', 'name']);
    expect(parsed).toStrictEqual(JSON.parse('{"__proto__": {"image": "attacker/image"}, "name": "x"}'));
  });

  it.each([
    ['{\n  "a": 1\n  "b": 2\n}', "dc.json:3:3: not valid JSON (with comments): Expected ',' or '}' after property value"],
    ['[1\n 2]', "dc.json:2:2: not valid JSON (with comments): Expected ',' or ']' after list element"],
    ['{\n  "a": tru\n}', 'dc.json:2:8: not valid JSON (with comments): Unexpected token "tru"'],
    ["{'a': 1}", 'dc.json:1:2: not valid JSON (with comments)'],
    ['{"a": [1, 2', "dc.json:1:12: not valid JSON (with comments): Expected ']' to close the list"],
    ['{\n  "image": "x" /* the rest\n}\n', "dc.json:2:16: not valid JSON (with comments): Unterminated comment: a block comment needs its closing '*/'"],
    ['{ "image": "x" }\n{ "image": "y" }\n', 'dc.json:2:1: not valid JSON (with comments): Unexpected content after the end of the document'],
    ['{"a": "x\ny"}', 'dc.json:1:7: not valid JSON (with comments): Unterminated string'],
    ['{"a": "\\q"}', 'dc.json:1:7: not valid JSON (with comments): Invalid escape sequence in a string'],
    ['{"a" 1}', "dc.json:1:6: not valid JSON (with comments): Expected ':' after property name"],
    ['', 'dc.json:1:1: not valid JSON (with comments): Expected a value'],
  ])('reports %j at file:line:col', (text, message) => expect(errorOf(text)).toContain(message));

  it('reports only the first error, not the recovery that follows it', () => {
    expect(errorOf('{"a": "x\ny"}').split('\n')).toHaveLength(1);
  });

  it('refuses nesting deeper than the bound with a position, without exhausting the stack', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expect(errorOf(deep)).toBe(`dc.json:1:${MAX_JSONC_DEPTH + 1}: not valid JSON (with comments): nested deeper than ${MAX_JSONC_DEPTH} levels`);
    const fine = '{"a":'.repeat(MAX_JSONC_DEPTH - 1) + '1' + '}'.repeat(MAX_JSONC_DEPTH - 1);
    expect(() => parseJsonc(fine, 'x')).not.toThrow();
  });
});
