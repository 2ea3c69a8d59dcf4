import { describe, expect, it } from 'vitest';
import { bundleOptions, CORE_MODULES, isExternal } from './bundle-options.ts';

describe('the CLI bundle options', () => {
  it('keeps builtins and packages external, bundles yaml and the sources', () => {
    expect(['node:fs', 'dockerode', '@kubernetes/client-node', 'ajv/dist/2020.js', 'yaml-language-server'].every(isExternal)).toBe(true);
    expect(['yaml', 'yaml/util', './args.ts', '/abs/cmd/main.ts', '\0rolldown/runtime'].some(isExternal)).toBe(false);
  });

  it('groups the core modules by their absolute path, and nothing else', () => {
    const options = bundleOptions('/pkg');
    const output = options.output as { codeSplitting: { groups: { test: (id: string) => boolean }[] } };
    const [group] = output.codeSplitting.groups;
    expect(CORE_MODULES.every((path) => group!.test(`/pkg/${path}`))).toBe(true);
    expect(group!.test('/pkg/cmd/commands/apply.ts')).toBe(false);
    expect(group!.test('/other/cmd/args.ts')).toBe(false);
    expect(options.input).toEqual({ main: '/pkg/cmd/main.ts' });
  });
});
