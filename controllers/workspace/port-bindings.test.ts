import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PortBinding, Workspace } from '../../apis/types/index.ts';
import { getOrUndefined, openTempStore, type TempStore } from '../runtime/testing.ts';
import { TerminalError } from '../runtime/errors.ts';
import { desiredPortBindings, ensurePortBindings, portBindingName } from './port-bindings.ts';

function workspace(spec: Partial<Workspace['spec']>, name = 'app'): Workspace {
  return { apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name, namespace: 'default', uid: 'uid-app' }, spec: { backend: 'mock', image: 'busybox', ...spec } };
}

describe('portBindingName', () => {
  it('is <workspace>-<suffix>, shortened with a hash past 63 characters', () => {
    expect(portBindingName('app', 'web')).toBe('app-web');
    const long = portBindingName('w'.repeat(60), 'postgres-5432');
    expect(long).toHaveLength(63);
    expect(long).toMatch(/^w+-[0-9a-f]{8}$/);
    expect(portBindingName('w'.repeat(60), 'postgres-5433')).not.toBe(long);
  });
});

describe('desiredPortBindings', () => {
  it('one binding per declared port and per published service port, owned and labelled', () => {
    const ws = workspace({
      ports: { web: { containerPort: 3000, hostPort: 3000 }, admin: { containerPort: 8081, visibility: 'public' }, dns: { containerPort: 53, protocol: 'udp' } },
      services: { postgres: { image: 'postgres:16', ports: [{ containerPort: 5432 }, { containerPort: 5433, hostPort: 15433 }] }, cache: { image: 'redis' } },
    });
    const desired = desiredPortBindings(ws);
    expect(desired.map((pb) => [pb.metadata.name, pb.spec])).toEqual([
      ['app-web', { workspace: 'app', name: 'web', containerPort: 3000, protocol: 'tcp', visibility: 'private', hostIP: '127.0.0.1', hostPort: 3000 }],
      ['app-admin', { workspace: 'app', name: 'admin', containerPort: 8081, protocol: 'tcp', visibility: 'public' }],
      ['app-dns', { workspace: 'app', name: 'dns', containerPort: 53, protocol: 'udp', visibility: 'private', hostIP: '127.0.0.1' }],
      ['app-postgres-5432', { workspace: 'app', service: 'postgres', name: 'postgres-5432', containerPort: 5432, protocol: 'tcp', visibility: 'private', hostIP: '127.0.0.1' }],
      ['app-postgres-5433', { workspace: 'app', service: 'postgres', name: 'postgres-5433', containerPort: 5433, protocol: 'tcp', visibility: 'private', hostIP: '127.0.0.1', hostPort: 15433 }],
    ]);
    for (const pb of desired) {
      expect(pb.metadata.labels).toEqual({ 'nexus.dev/workspace': 'app' });
      expect(pb.metadata.ownerReferences).toEqual([{ apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', name: 'app', uid: 'uid-app', controller: true, blockOwnerDeletion: true }]);
    }
  });
  it('a service port name too long for spec.name is left to the default', () => {
    const service = 's'.repeat(60);
    const [pb] = desiredPortBindings(workspace({ services: { [service]: { image: 'x', ports: [{ containerPort: 12345 }] } } }));
    expect(pb!.spec.name).toBeUndefined();
    expect(pb!.spec.service).toBe(service);
  });
});

describe('ensurePortBindings (embedded store)', () => {
  let store: TempStore;
  beforeEach(async () => {
    store = await openTempStore();
  });
  afterEach(async () => {
    await store.dispose();
  });

  async function stored(): Promise<Workspace> {
    return store.client.create(workspace({ ports: { web: { containerPort: 3000 }, api: { containerPort: 4000 } } }));
  }

  it('creates, leaves converged ones alone, updates changed specs and deletes undeclared ones', async () => {
    const ws = await stored();
    expect(await ensurePortBindings(store.client, ws)).toMatchObject({ created: ['app-web', 'app-api'], updated: [], deleted: [], skipped: [] });
    const web = (await getOrUndefined<PortBinding>(store.client, 'PortBinding', 'app-web'))!;
    expect(web.metadata.ownerReferences?.[0]?.uid).toBe(ws.metadata.uid);
    expect(await ensurePortBindings(store.client, ws)).toMatchObject({ created: [], updated: [], deleted: [], skipped: [] });
    expect((await getOrUndefined<PortBinding>(store.client, 'PortBinding', 'app-web'))!.metadata.resourceVersion).toBe(web.metadata.resourceVersion);

    const changed = await store.client.update<Workspace>({ ...ws, spec: { ...ws.spec, ports: { web: { containerPort: 3000, hostPort: 3000 } } } });
    expect(await ensurePortBindings(store.client, changed)).toMatchObject({ created: [], updated: ['app-web'], deleted: ['app-api'], skipped: [] });
    const updated = (await getOrUndefined<PortBinding>(store.client, 'PortBinding', 'app-web'))!;
    expect(updated.spec.hostPort).toBe(3000);
    expect(updated.metadata.generation).toBe(2);
    expect(updated.metadata.uid).toBe(web.metadata.uid);
    expect(await getOrUndefined(store.client, 'PortBinding', 'app-api')).toBeUndefined();
  });

  it('leaves a binding it does not own alone, even with a desired name', async () => {
    await store.client.create<PortBinding>({ apiVersion: 'nexus.dev/v1alpha1', kind: 'PortBinding', metadata: { name: 'app-web' }, spec: { workspace: 'app', containerPort: 1 } });
    const ws = await stored();
    expect(await ensurePortBindings(store.client, ws)).toMatchObject({ created: ['app-api'], updated: [], deleted: [], skipped: ['app-web'] });
    expect((await getOrUndefined<PortBinding>(store.client, 'PortBinding', 'app-web'))!.spec.containerPort).toBe(1);
    const emptied = await store.client.update<Workspace>({ ...ws, spec: { ...ws.spec, ports: {} } });
    expect(await ensurePortBindings(store.client, emptied)).toMatchObject({ created: [], updated: [], deleted: ['app-api'], skipped: [] });
    expect(await getOrUndefined(store.client, 'PortBinding', 'app-web')).toBeDefined();
  });

  it('writes only the fields it owns: a user\'s labels, annotations and other owner references survive its updates', async () => {
    const ws = await stored();
    await ensurePortBindings(store.client, ws);
    const web = (await getOrUndefined<PortBinding>(store.client, 'PortBinding', 'app-web'))!;
    const otherOwner = { apiVersion: 'example.com/v1', kind: 'Team', name: 'core', uid: 'uid-team' };
    await store.client.update<PortBinding>({
      ...web,
      metadata: {
        ...web.metadata,
        labels: { ...web.metadata.labels, team: 'core', 'nexus.dev/workspace': 'tampered' },
        annotations: { note: 'mine' },
        ownerReferences: [otherOwner, ...web.metadata.ownerReferences!],
      },
    });
    // The owner puts back its own label, and nothing else of the user's changes.
    expect(await ensurePortBindings(store.client, ws)).toMatchObject({ updated: ['app-web'] });
    const restored = (await getOrUndefined<PortBinding>(store.client, 'PortBinding', 'app-web'))!;
    expect(restored.metadata.labels).toEqual({ 'nexus.dev/workspace': 'app', team: 'core' });
    expect(restored.metadata.annotations).toEqual({ note: 'mine' });
    expect(restored.metadata.ownerReferences).toEqual([otherOwner, web.metadata.ownerReferences![0]]);
    // Converged: no further write, although the stored object is not the desired one as a whole.
    expect(await ensurePortBindings(store.client, ws)).toMatchObject({ created: [], updated: [], deleted: [] });
    // A spec change of the workspace: the owned spec follows; the user's metadata stays; a field the workspace dropped goes.
    const pinned = await store.client.update<Workspace>({ ...ws, spec: { ...ws.spec, ports: { web: { containerPort: 3001, hostPort: 3001 }, api: { containerPort: 4000 } } } });
    await ensurePortBindings(store.client, pinned);
    const unpinned = await store.client.update<Workspace>({ ...pinned, spec: { ...pinned.spec, ports: { web: { containerPort: 3001 }, api: { containerPort: 4000 } } } });
    expect(await ensurePortBindings(store.client, unpinned)).toMatchObject({ updated: ['app-web'] });
    const after = (await getOrUndefined<PortBinding>(store.client, 'PortBinding', 'app-web'))!;
    expect(after.spec).toEqual(desiredPortBindings(unpinned)[0]!.spec);
    expect(after.spec.hostPort).toBeUndefined();
    expect(after.metadata.annotations).toEqual({ note: 'mine' });
    expect(after.metadata.ownerReferences).toEqual([otherOwner, web.metadata.ownerReferences![0]]);
  });

  it('owned bindings go with the workspace (owner references)', async () => {
    const ws = await stored();
    await ensurePortBindings(store.client, ws);
    await store.client.delete('Workspace', 'default', 'app');
    expect((await store.client.list('PortBinding')).items).toEqual([]);
  });
});

describe('hostPortSummary', () => {
  it('lists owned bindings with a host port as name:hostPort, in declaration order', async () => {
    const { hostPortSummary, desiredPortBindings } = await import('./port-bindings.ts');
    const ws = {
      apiVersion: 'nexus.dev/v1alpha1' as const,
      kind: 'Workspace' as const,
      metadata: { name: 'app', namespace: 'default', uid: 'u1' },
      spec: { ports: { web: { containerPort: 3000 }, api: { containerPort: 8080 }, debug: { containerPort: 9229 } } },
    };
    const desired = desiredPortBindings(ws);
    const existing = new Map(
      desired.map((pb, i) => [pb.metadata.name, i === 2 ? pb : { ...pb, status: { hostPort: 32801 + i } }] as const),
    );
    expect(hostPortSummary(desired, existing, 'u1')).toBe('web:32801,api:32802');
    expect(hostPortSummary(desired, existing, 'someone-else')).toBe('');
  });
});

describe('desiredPortBindings guards against derived name collisions', () => {
  it('throws a TerminalError naming both declarations (for objects that skipped validation)', () => {
    const ws = workspace({ ports: { 'db-5432': { containerPort: 8080 } }, services: { db: { image: 'postgres', ports: [{ containerPort: 5432 }] } } });
    expect(() => desiredPortBindings(ws)).toThrow(TerminalError);
    expect(() => desiredPortBindings(ws)).toThrow('spec.services.db.ports[0] and spec.ports.db-5432 both derive the PortBinding name app-db-5432; rename one of them');
  });
});
