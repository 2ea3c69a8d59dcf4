import { describe, expect, it } from 'vitest';
import type { PortBinding, Workspace } from '../../apis/types/index.ts';
import { ObjectCache } from '../runtime/watches.ts';
import { bindingsForWorkspace } from './workspace-events.ts';

function pb(name: string, workspace: string, hostPort?: number, namespace = 'default'): PortBinding {
  return { apiVersion: 'nexus.dev/v1alpha1', kind: 'PortBinding', metadata: { name, namespace }, spec: { workspace, containerPort: 1, ...(hostPort ? { hostPort } : {}) } };
}

function ws(name: string, repository: string | undefined, namespace = 'default'): Workspace {
  return { apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name, namespace }, spec: { ...(repository ? { repository: { path: repository } } : {}) } } as Workspace;
}

describe('bindingsForWorkspace', () => {
  const cache = new ObjectCache();
  for (const w of [ws('a', '/repo'), ws('b', '/repo'), ws('c', '/other'), ws('d', undefined), ws('e', '/repo', 'team')]) cache.observe('Workspace', w, false);
  for (const b of [pb('a-web', 'a', 3000), pb('a-api', 'a'), pb('b-web', 'b', 3000), pb('b-api', 'b'), pb('c-web', 'c', 3000), pb('d-web', 'd', 3000), pb('e-web', 'e', 3000, 'team'), pb('orphan', 'x')]) {
    cache.observe('PortBinding', b, false);
  }
  const keys = (w: Workspace): string[] => bindingsForWorkspace(w, cache).map((r) => r.key);

  it('every binding of the changed workspace and the fixed-port bindings of its repository', () => {
    expect(keys(ws('b', '/repo'))).toEqual(['default/a-web', 'default/b-web', 'default/b-api', 'team/e-web']);
    expect(bindingsForWorkspace(ws('b', '/repo'), cache)[0]?.reason).toBe('fixed port 3000 shared with a workspace of its repository');
  });
  it('a workspace without a repository wakes only its own bindings', () => {
    expect(keys(ws('d', undefined))).toEqual(['default/d-web']);
  });
  it('an unknown workspace (standalone bindings waiting for it) wakes its bindings, even known by name only', () => {
    expect(keys(ws('x', undefined))).toEqual(['default/orphan']);
    expect(bindingsForWorkspace({ metadata: { namespace: 'default', name: 'x' } } as Workspace, cache).map((r) => r.key)).toEqual(['default/orphan']);
  });
});
