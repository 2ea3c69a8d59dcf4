import { describe, expect, it } from 'vitest';
import type { PortBinding } from '../../apis/types/index.ts';
import { bindingsToWake } from './workspace-events.ts';

function pb(name: string, workspace: string, hostPort?: number, namespace = 'default'): PortBinding {
  return { apiVersion: 'nexus.dev/v1alpha1', kind: 'PortBinding', metadata: { name, namespace }, spec: { workspace, containerPort: 1, ...(hostPort ? { hostPort } : {}) } };
}

describe('bindingsToWake', () => {
  const repositories = new Map<string, string | undefined>([
    ['default/a', '/repo'],
    ['default/b', '/repo'],
    ['default/c', '/other'],
    ['default/d', undefined],
    ['team/e', '/repo'],
  ]);
  const bindings = [pb('a-web', 'a', 3000), pb('a-api', 'a'), pb('b-web', 'b', 3000), pb('b-api', 'b'), pb('c-web', 'c', 3000), pb('d-web', 'd', 3000), pb('e-web', 'e', 3000, 'team')];

  it('every binding of the changed workspace and the fixed-port bindings of its repository', () => {
    expect(bindingsToWake(new Set(['default/b']), repositories, bindings)).toEqual(['default/a-web', 'default/b-web', 'default/b-api', 'team/e-web']);
  });
  it('a workspace without a repository wakes only its own bindings', () => {
    expect(bindingsToWake(new Set(['default/d']), repositories, bindings)).toEqual(['default/d-web']);
  });
  it('an unknown workspace (standalone bindings waiting for it) wakes its bindings', () => {
    expect(bindingsToWake(new Set(['default/x']), repositories, [pb('orphan', 'x')])).toEqual(['default/orphan']);
  });
});
