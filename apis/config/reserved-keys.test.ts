// Keys that name JavaScript's object machinery (`__proto__`, `constructor`, `toString`): refused
// with a clear error, never looked up on Object.prototype nor silently dropped.
import { describe, expect, it } from 'vitest';
import { formatFieldIssue } from '../errors.ts';
import { effectiveSchema, schemaAt } from './effective-schema.ts';
import { settingIssues, treeWith } from './env-layer.ts';
import { parseConfigText } from './read-file.ts';

describe('reserved keys', () => {
  it('a __proto__ key in a configuration file is an error at its line, not a silently dropped value', () => {
    const result = parseConfigText('workspace:\n  image: debian:12\nenv:\n  __proto__: x\n', 'project', '/r/.nexus/config.yaml', '.nexus/config.yaml');
    expect(result.issues.map(formatFieldIssue)).toEqual([
      '.nexus/config.yaml:4:3: env.__proto__: "__proto__" cannot be used as a key (it would be dropped while the configuration is merged)',
    ]);
  });

  it('--set with __proto__, constructor or toString is refused with a clear message', () => {
    expect(settingIssues('--set', '__proto__.polluted', 1).map((i) => i.message)).toEqual(['"__proto__" cannot be used as a key (it would be dropped while the configuration is merged)']);
    expect(settingIssues('--set', 'env.__proto__', 'x').map((i) => i.message)).toEqual(['"__proto__" cannot be used as a key (it would be dropped while the configuration is merged)']);
    expect(settingIssues('--set', 'constructor.prototype.x', 1).map((i) => i.message)).toEqual(['constructor: unknown field "constructor"']);
    expect(settingIssues('--set', 'toString', 1).map((i) => i.message)).toEqual(['unknown field "toString"']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('treeWith makes every segment an own key', () => {
    const tree = treeWith('__proto__.x', 1);
    expect(Object.getPrototypeOf(tree)).toBe(Object.prototype);
    expect(Object.keys(tree)).toEqual(['__proto__']);
  });

  it('schemaAt finds own properties only', () => {
    expect(schemaAt(effectiveSchema(), ['__proto__'])).toBeUndefined();
    expect(schemaAt(effectiveSchema(), ['constructor'])).toBeUndefined();
    expect(schemaAt(effectiveSchema(), ['workspace', 'image'])).toBeDefined();
  });
});
