import { describe, expect, it } from 'vitest';
import type { PortBinding, Workspace } from '../../apis/types/index.ts';
import { resolveBinding } from './binding.ts';
import { claimFixedPort, fixedPortOwner, rivalBindings, standbyMessage, type Contender } from './ownership.ts';

const c = (name: string, creationTimestamp: string, state = 'Running', namespace = 'default'): Contender => ({ namespace, name, creationTimestamp, state });

function ws(name: string, repo: string | undefined, extra: { created?: string; state?: 'Running' | 'Paused' | 'Stopped'; deleting?: boolean; namespace?: string } = {}): Workspace {
  return {
    apiVersion: 'nexus.dev/v1alpha1',
    kind: 'Workspace',
    metadata: {
      name,
      namespace: extra.namespace ?? 'default',
      uid: `uid-${name}`,
      creationTimestamp: extra.created ?? '2026-01-01T00:00:00Z',
      ...(extra.deleting ? { deletionTimestamp: '2026-01-02T00:00:00Z' } : {}),
    },
    spec: { ...(repo ? { repository: { path: repo } } : {}), ...(extra.state ? { state: extra.state } : {}) },
  } as Workspace;
}

function pb(name: string, workspace: string, hostPort: number | undefined, extra: Partial<PortBinding['spec']> = {}, namespace = 'default'): PortBinding {
  return {
    apiVersion: 'nexus.dev/v1alpha1',
    kind: 'PortBinding',
    metadata: { name, namespace, uid: `pb-${namespace}-${name}` },
    spec: { workspace, name: 'web', containerPort: 3000, ...(hostPort !== undefined ? { hostPort } : {}), ...extra },
  };
}

describe('fixedPortOwner', () => {
  const contenders = [c('b', '2026-01-02'), c('a', '2026-01-01', 'Paused'), c('c', '2026-01-03')];
  it('the active workspace owns the port', () => {
    expect(fixedPortOwner(contenders, 'c', 'default')).toEqual({ namespace: 'default', name: 'c', basis: 'active' });
    expect(fixedPortOwner(contenders, 'a', 'default')).toEqual({ namespace: 'default', name: 'a', basis: 'active' });
  });
  it('without an active one (or when it does not want the port): the oldest running one', () => {
    expect(fixedPortOwner(contenders, undefined, 'default')).toEqual({ namespace: 'default', name: 'b', basis: 'oldestRunning' });
    expect(fixedPortOwner(contenders, 'elsewhere', 'default')).toEqual({ namespace: 'default', name: 'b', basis: 'oldestRunning' });
  });
  it('none running: the oldest; ties by namespace/name', () => {
    expect(fixedPortOwner([c('y', 't', 'Paused'), c('x', 't', 'Stopped')], undefined, 'default')).toEqual({ namespace: 'default', name: 'x', basis: 'oldest' });
  });
  it('a name in several namespaces: the preferred namespace wins', () => {
    const both = [c('a', '1', 'Running', 'one'), c('a', '2', 'Running', 'two')];
    expect(fixedPortOwner(both, 'a', 'two').namespace).toBe('two');
    expect(fixedPortOwner(both, 'a', 'one').namespace).toBe('one');
  });
  it('the recorded workspace (namespace and name) wins whichever namespace decides', () => {
    const both = [c('a', '1', 'Running', 'one'), c('a', '2', 'Running', 'two')];
    expect(fixedPortOwner(both, { namespace: 'one', name: 'a' }, 'two')).toEqual({ namespace: 'one', name: 'a', basis: 'active' });
    expect(fixedPortOwner(both, { namespace: 'one', name: 'a' }, 'one')).toEqual({ namespace: 'one', name: 'a', basis: 'active' });
    expect(fixedPortOwner(both, { namespace: 'three', name: 'a' }, 'one').basis).toBe('oldestRunning');
  });
  it('needs a contender', () => expect(() => fixedPortOwner([], undefined, 'default')).toThrow(RangeError));
});

describe('rivalBindings and claimFixedPort', () => {
  const workspaces = [
    ws('a', '/repo', { created: '2026-01-01T00:00:00Z' }),
    ws('b', '/repo/', { created: '2026-01-02T00:00:00Z' }),
    ws('other', '/elsewhere'),
    ws('gone', '/repo', { deleting: true }),
    ws('norepo', undefined),
  ];
  const bindings = [
    pb('a-web', 'a', 3000),
    pb('b-web', 'b', 3000),
    pb('b-udp', 'b', 3000, { protocol: 'udp' }),
    pb('b-other-ip', 'b', 3000, { hostIP: '10.0.0.9' }),
    pb('b-api', 'b', 3001),
    pb('other-web', 'other', 3000),
    pb('gone-web', 'gone', 3000),
    pb('norepo-web', 'norepo', 3000),
    pb('a-second', 'a', 3000),
  ];
  const self = bindings[0]!;

  it('finds the same fixed port, protocol and overlapping address in other workspaces of the repository', () => {
    const exposure = { addresses: ['10.0.0.9'] };
    const rivals = rivalBindings({ binding: resolveBinding(self, exposure), uid: self.metadata.uid!, repository: '/repo', bindings, workspaces, exposure });
    expect(rivals.map((r) => r.key)).toEqual(['default/b-web']);
  });

  it('a binding whose address the node does not allow listens on loopback, so it overlaps', () => {
    const rivals = rivalBindings({ binding: resolveBinding(self), uid: self.metadata.uid!, repository: '/repo', bindings, workspaces });
    expect(rivals.map((r) => r.key)).toEqual(['default/b-web', 'default/b-other-ip']);
  });

  it('the active workspace owns; the other stands by', () => {
    const rivals = rivalBindings({ binding: resolveBinding(self), uid: self.metadata.uid!, repository: '/repo', bindings, workspaces });
    expect(claimFixedPort(workspaces[0]!, 3000, rivals, 'a')).toEqual({ kind: 'own', rivals });
    expect(claimFixedPort(workspaces[0]!, 3000, rivals, 'b')).toEqual({ kind: 'standby', fixedPort: 3000, owner: { namespace: 'default', name: 'b', basis: 'active' } });
    expect(claimFixedPort(workspaces[0]!, 3000, rivals, undefined)).toEqual({ kind: 'own', rivals });
    expect(claimFixedPort(workspaces[0]!, 3000, [], 'b')).toEqual({ kind: 'own', rivals: [] });
  });
});

describe('standbyMessage', () => {
  it('names the owner and the switch that takes the port', () => {
    expect(standbyMessage(3000, { namespace: 'default', name: 'feature-a', basis: 'active' }, 'feature-b')).toBe(
      'port 3000 belongs to the active workspace feature-a (boulder switch feature-b to take it)',
    );
    expect(standbyMessage(3000, { namespace: 'default', name: 'a', basis: 'oldestRunning' }, 'b')).toBe(
      'port 3000 belongs to workspace a (no active workspace recorded; the oldest running one has it) (boulder switch b to take it)',
    );
  });
});
