import { describe, expect, it } from 'vitest';
import { notFoundError, pluralResource } from '../apis/kinds.ts';
import { UsageError } from './cli-error.ts';
import { parseResourceArgs, singularResource } from './resources.ts';

describe('parseResourceArgs', () => {
  it('takes KIND NAME... with any spelling of the kind', () => {
    for (const spelling of ['ws', 'workspace', 'workspaces', 'Workspace', 'workspaces.nexus.dev']) {
      const { kind, refs } = parseResourceArgs([spelling, 'a', 'b'], 'get');
      expect(kind.kind).toBe('Workspace');
      expect(refs.map((r) => r.name)).toEqual(['a', 'b']);
    }
  });

  it('takes KIND/NAME pairs, mixed kinds included', () => {
    const { kind, refs } = parseResourceArgs(['ws/a', 'pb/b'], 'wait');
    expect(kind.kind).toBe('Workspace');
    expect(refs.map((r) => `${r.kind.kind}/${r.name}`)).toEqual(['Workspace/a', 'PortBinding/b']);
  });

  it('takes a bare KIND as a list request', () => {
    expect(parseResourceArgs(['ss'], 'get').refs).toEqual([]);
  });

  it('fails with usage errors on unknown kinds and bad forms', () => {
    expect(() => parseResourceArgs(['pods'], 'get')).toThrow('the server doesn\'t have a resource type "pods"');
    expect(() => parseResourceArgs([], 'get')).toThrow(UsageError);
    expect(() => parseResourceArgs(['ws/a', 'b'], 'get')).toThrow('resource/name form');
    expect(() => parseResourceArgs(['ws/'], 'get')).toThrow('missing name');
  });

  it('names kinds and objects like kubectl', () => {
    const { kind } = parseResourceArgs(['pb'], 'get');
    expect(singularResource(kind)).toBe('portbinding.nexus.dev');
    expect(pluralResource(kind)).toBe('portbindings.nexus.dev');
    expect(notFoundError(kind, 'x').message).toBe('portbindings.nexus.dev "x" not found');
  });
});
