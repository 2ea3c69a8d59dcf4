import { describe, expect, it } from 'vitest';
import type { PortBinding, Workspace } from '../../apis/types/index.ts';
import { allocateHostPort, allocationMatches, allocationRecord, backendPortRange, portsHeldByOthers, workspacePortNames } from './allocation.ts';
import { PortRangeExhaustedError } from './allocator/index.ts';
import { resolveBinding } from './binding.ts';
import { PORT_PLAN } from './contracts.ts';

function pb(name: string, spec: Partial<PortBinding['spec']>, extra: { uid?: string; status?: PortBinding['status']; owner?: string; created?: string; namespace?: string } = {}): PortBinding {
  return {
    apiVersion: 'nexus.dev/v1alpha1',
    kind: 'PortBinding',
    metadata: {
      name,
      namespace: extra.namespace ?? 'default',
      uid: extra.uid ?? `uid-${name}`,
      ...(extra.created ? { creationTimestamp: extra.created } : {}),
      ...(extra.owner ? { ownerReferences: [{ apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', name: extra.owner, uid: `ws-${extra.owner}`, controller: true }] } : {}),
    },
    spec: { workspace: 'app', containerPort: 1, ...spec },
    ...(extra.status ? { status: extra.status } : {}),
  };
}

const app: Workspace = {
  apiVersion: 'nexus.dev/v1alpha1',
  kind: 'Workspace',
  metadata: { name: 'app', namespace: 'default', uid: 'ws-app' },
  spec: {
    ports: { web: { containerPort: 3000 }, worker: { containerPort: 9000 } },
    services: { postgres: { image: 'postgres', ports: [{ containerPort: 5432 }] }, dns: { image: 'dns', ports: [{ containerPort: 53, protocol: 'udp' }] } },
  },
};

describe('workspacePortNames', () => {
  it('declared ports, then service ports, then standalone bindings oldest first (owned ones excluded)', () => {
    const bindings = [
      pb('app-web', { name: 'web' }, { owner: 'app' }),
      pb('late', { name: 'late' }, { created: '2026-01-02T00:00:00Z' }),
      pb('early', { name: 'early' }, { created: '2026-01-01T00:00:00Z' }),
      pb('unnamed', { containerPort: 7000 }, { created: '2026-01-03T00:00:00Z' }),
      pb('foreign', { workspace: 'other', name: 'x' }),
      pb('elsewhere', { name: 'y' }, { namespace: 'team' }),
    ];
    expect(workspacePortNames(app, bindings)).toEqual(['web', 'worker', 'postgres-5432', 'dns-53-udp', 'early', 'late', 'port-7000']);
  });
});

describe('portsHeldByOthers', () => {
  it('collects fixed, bound and allocated ports of every other binding', () => {
    const bindings = [
      pb('self', { hostPort: 1 }, { uid: 'me', status: { hostPort: 2 } }),
      pb('fixed', { hostPort: 3000 }),
      pb('bound', {}, { status: { hostPort: 32801, allocation: { hostPort: 32801, name: 'web', protocol: 'tcp', hostIP: '127.0.0.1' } } }),
      pb('standby', { hostPort: 3000 }, { status: { hostPort: 32811, allocation: { hostPort: 32811, name: 'web', protocol: 'tcp', hostIP: '127.0.0.1' } } }),
    ];
    expect([...portsHeldByOthers(bindings, 'me')].sort()).toEqual([3000, 32801, 32811]);
  });
});

describe('allocationMatches', () => {
  const binding = resolveBinding(pb('x', { name: 'web' }));
  it('an allocation stays while name, protocol and address stay', () => {
    const record = allocationRecord(binding, 32801);
    expect(record).toEqual({ hostPort: 32801, name: 'web', protocol: 'tcp', hostIP: '127.0.0.1' });
    expect(allocationMatches(record, binding)).toBe(true);
    expect(allocationMatches(undefined, binding)).toBe(false);
    expect(allocationMatches({ ...record, name: 'api' }, binding)).toBe(false);
    expect(allocationMatches({ ...record, protocol: 'udp' }, binding)).toBe(false);
    expect(allocationMatches({ ...record, hostIP: '0.0.0.0' }, binding)).toBe(false);
  });
});

describe('allocateHostPort', () => {
  const free = (): Promise<boolean> => Promise.resolve(true);
  it('is deterministic, skips ports held by other bindings and probes the host', async () => {
    const web = resolveBinding(pb('app-web', { name: 'web' }));
    const first = await allocateHostPort({ binding: web, uid: 'uid-app-web', workspace: app, bindings: [], range: PORT_PLAN.docker, probe: free });
    expect(await allocateHostPort({ binding: web, uid: 'uid-app-web', workspace: app, bindings: [], range: PORT_PLAN.docker, probe: free })).toBe(first);
    expect((first - 1 - PORT_PLAN.docker.start) % PORT_PLAN.slotSize).toBe(0);
    const holder = pb('other', { workspace: 'zzz' }, { status: { hostPort: first } });
    const next = await allocateHostPort({ binding: web, uid: 'uid-app-web', workspace: app, bindings: [holder], range: PORT_PLAN.docker, probe: free });
    expect(next).not.toBe(first);
    expect((next - first) % PORT_PLAN.slotSize).toBe(0);
    const busy = await allocateHostPort({ binding: web, uid: 'uid-app-web', workspace: app, bindings: [], range: PORT_PLAN.docker, probe: (_ip, port) => Promise.resolve(port !== first) });
    expect(busy).toBe(next);
  });

  it('a full range is an error naming it', async () => {
    const web = resolveBinding(pb('app-web', { name: 'web' }));
    const range = { start: 40000, end: 40001 };
    await expect(allocateHostPort({ binding: web, uid: 'u', workspace: app, bindings: [], range, overflowRange: range, probe: () => Promise.resolve(false) })).rejects.toThrow(PortRangeExhaustedError);
    await expect(allocateHostPort({ binding: web, uid: 'u', workspace: app, bindings: [], range, overflowRange: range, probe: () => Promise.resolve(false) })).rejects.toThrow(
      'no free port for default/app web in 40000-40001 (2 ports taken)',
    );
  });

  it('Sprite workspaces use their own range; the others share Docker\'s', () => {
    expect(backendPortRange('sprite')).toEqual(PORT_PLAN.sprite);
    expect(backendPortRange('docker')).toEqual(PORT_PLAN.docker);
    expect(backendPortRange('mock')).toEqual(PORT_PLAN.docker);
  });
});
