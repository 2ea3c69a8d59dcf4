import { describe, expect, it } from 'vitest';
import type { Principal } from '../rpc/method.ts';
import { confineParams, confinedNamespace } from './confine.ts';

const alice: Principal = { tokenId: 't1', name: 'node-user-alice', subject: 'alice', user: 'alice', namespace: 'user-alice', scopes: ['resources:read'], workspaces: '*' };
const admin: Principal = { tokenId: 't2', name: 'node-user-root2', subject: 'ops', user: 'ops', scopes: ['admin'], workspaces: '*' };

describe('confinedNamespace', () => {
  it.each([
    [undefined, 'user-alice'],
    ['default', 'user-alice'],
    ['user-alice', 'user-alice'],
  ])('maps %s to the user\'s own namespace', (asked, expected) => {
    expect(confinedNamespace(alice, asked)).toBe(expected);
  });

  it('refuses another namespace', () => {
    expect(() => confinedNamespace(alice, 'user-bob')).toThrow(/may act only in namespace user-alice, not "user-bob"/);
    expect(() => confinedNamespace(alice, 'kube-system')).toThrow(/Forbidden|may act only/);
  });

  it('leaves an unconfined principal alone', () => {
    expect(confinedNamespace(admin, 'user-bob')).toBe('user-bob');
    expect(confinedNamespace(admin, undefined)).toBeUndefined();
  });
});

describe('confineParams', () => {
  it('forces the namespace of every call, and of the object of resources.apply', () => {
    expect(confineParams('resources.list', { kind: 'Workspace' }, alice)).toEqual({ kind: 'Workspace', namespace: 'user-alice' });
    const applied = confineParams('resources.apply', { object: { kind: 'Workspace', metadata: { name: 'x' } } }, alice) as { object: { metadata: { namespace: string } } };
    expect(applied.object.metadata.namespace).toBe('user-alice');
    expect(() => confineParams('resources.apply', { object: { kind: 'Workspace', metadata: { name: 'x', namespace: 'user-bob' } } }, alice)).toThrow(/may act only/);
    expect(() => confineParams('exec.start', { workspace: 'app', namespace: 'user-bob', command: ['id'] }, alice)).toThrow(/may act only/);
  });

  it('passes an admin\'s params unchanged', () => {
    const params = { kind: 'Workspace' };
    expect(confineParams('resources.list', params, admin)).toBe(params);
  });
});
