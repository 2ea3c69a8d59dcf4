import { describe, expect, it } from 'vitest';
import type { Workspace } from '../../apis/types/index.ts';
import type { SyncSession } from '../../apis/types/syncsession.ts';
import { isTerminalError } from '../runtime/errors.ts';
import { admitSyncSession, admitWorkspace, trustForStore, type WorkspaceTrustContext } from './policy.ts';

function workspace(spec: Partial<Workspace['spec']>, namespace = 'team-a'): Workspace {
  return { apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name: 'web', namespace }, spec: { backend: 'kubernetes', image: 'busybox', ...spec } };
}

function session(alpha: string, beta: string, namespace = 'team-a', owner?: string): SyncSession {
  const ownerReferences = owner === undefined ? [] : [{ apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', name: owner, uid: `uid-${owner}`, controller: true }];
  return { apiVersion: 'nexus.dev/v1alpha1', kind: 'SyncSession', metadata: { name: 's', namespace, ownerReferences }, spec: { alpha, beta } } as SyncSession;
}

/** The reason and message a refusal carries; undefined when admitted. */
function refusal(run: () => void): { reason: string; message: string } | undefined {
  try {
    run();
    return undefined;
  } catch (err) {
    if (!isTerminalError(err)) throw err;
    return { reason: err.reason, message: err.message };
  }
}

const cluster: WorkspaceTrustContext = { trust: 'cluster' };

describe('trustForStore', () => {
  it('is cluster exactly when the store is a Kubernetes API', () => {
    expect(trustForStore('kubernetes')).toBe('cluster');
    expect(trustForStore('embedded')).toBe('local');
    expect(trustForStore(undefined)).toBe('local');
  });
});

describe('admitWorkspace', () => {
  it.each([
    ['fromFile (the service-account token)', { secrets: [{ name: 'T', fromFile: '/var/run/secrets/kubernetes.io/serviceaccount/token' }] }, 'SecretSourceNotAllowed', 'spec.secrets[0] (T): fromFile reads a file of the controller'],
    ['fromEnv', { secrets: [{ name: 'T', fromEnv: 'KUBERNETES_SERVICE_HOST' }] }, 'SecretSourceNotAllowed', "spec.secrets[0] (T): fromEnv reads the controller's environment"],
    ['a host repository', { repository: { path: '/home/dev/private' } }, 'HostPathNotAllowed', 'spec.repository: "/home/dev/private" is a path on the controller\'s machine'],
    ['backend docker', { backend: 'docker' as const }, 'BackendNotAllowed', 'spec.backend: docker workspaces are not run'],
    ['backend sprite', { backend: 'sprite' as const }, 'BackendNotAllowed', 'spec.backend: sprite'],
  ])('refuses %s under cluster trust, and names only secretRef as the way', (_what, spec, reason, message) => {
    const refused = refusal(() => admitWorkspace(workspace(spec), cluster));
    expect(refused?.reason).toBe(reason);
    expect(refused?.message).toContain(message);
    if (reason === 'SecretSourceNotAllowed') expect(refused?.message).toContain("on a cluster only secretRef works: a Secret in the workspace's own namespace");
  });

  it('admits secretRef, mock and kubernetes workspaces under cluster trust', () => {
    expect(refusal(() => admitWorkspace(workspace({ secrets: [{ name: 'T', secretRef: { name: 'tok', key: 'k' } }] }), cluster))).toBeUndefined();
    expect(refusal(() => admitWorkspace(workspace({ backend: 'mock' }), cluster))).toBeUndefined();
    expect(refusal(() => admitWorkspace(workspace({ secrets: [{ name: 'T', secretRef: { name: 'tok', key: 'k' } }] }), { trust: 'cluster', podNamespace: 'team-a' }))).toBeUndefined();
  });

  it('refuses secretRef when Pods go to another namespace than the workspace (--target-namespace)', () => {
    const refused = refusal(() => admitWorkspace(workspace({ secrets: [{ name: 'T', secretRef: { name: 'tok', key: 'k' } }] }), { trust: 'cluster', podNamespace: 'shared' }));
    expect(refused).toEqual({ reason: 'SecretSourceNotAllowed', message: expect.stringContaining('this controller creates Pods in shared') });
  });

  it('admits everything under local trust: the user lends their own files and environment', () => {
    const spec = { backend: 'docker' as const, repository: { path: '/home/dev/p' }, secrets: [{ name: 'A', fromFile: '/home/dev/.token' }, { name: 'B', fromEnv: 'TOKEN' }] };
    expect(refusal(() => admitWorkspace(workspace(spec), { trust: 'local' }))).toBeUndefined();
  });
});

describe('admitSyncSession', () => {
  it.each([
    ['a pod of another namespace', 'pod://team-a/nexus-web/workspace/w', 'pod://kube-system/etcd-0/etcd/var/lib', 'spec.beta: "pod://kube-system/etcd-0/etcd/var/lib" is a Pod in namespace kube-system'],
    ['a controller-local path', '/var/run/secrets/kubernetes.io/serviceaccount', 'pod://team-a/nexus-web/workspace/w', 'spec.alpha: "/var/run/secrets/kubernetes.io/serviceaccount" is a path on the controller\'s machine'],
    ['a relative local path', 'relative/dir', 'pod://team-a/p/c/w', 'spec.alpha: "relative/dir" is a path on the controller\'s machine'],
    ['a docker container', 'pod://team-a/p/c/w', 'docker://someone/etc', 'spec.beta: "docker://someone/etc" is a docker:// endpoint'],
    ['a docker volume', 'volume://nexus-sync-x/', 'pod://team-a/p/c/w', 'spec.alpha: "volume://nexus-sync-x/" is a volume:// endpoint'],
    ['a malformed pod address', 'pod://team-a', 'pod://team-a/p/c/w', 'spec.alpha: "pod://team-a" is not a Pod address'],
  ])('refuses %s under cluster trust', (_what, alpha, beta, message) => {
    const refused = refusal(() => admitSyncSession(session(alpha, beta), 'cluster'));
    expect(refused?.reason).toBe('EndpointNotAllowed');
    expect(refused?.message).toContain(message);
  });

  it.each([
    ['a Pod of its namespace without an owning Workspace', session('pod://team-a/postgres-0/postgres/var/lib/postgresql', 'pod://team-a/nexus-web/workspace/workspace/loot'), 'spec.alpha: pod team-a/postgres-0 refused: a cluster\'s SyncSession may only reach the Pod of the Workspace that owns it'],
    ['another Pod of its namespace than its workspace\'s', session('pod://team-a/postgres-0/postgres/var/lib/postgresql', 'pod://team-a/nexus-web/workspace/workspace/loot', 'team-a', 'web'), 'spec.alpha: pod team-a/postgres-0 refused: it is not the Pod of workspace web (nexus-web)'],
    ['another workspace\'s Pod', session('pod://team-a/nexus-web/workspace/workspace', 'pod://team-a/nexus-other/workspace/workspace', 'team-a', 'web'), 'spec.beta: pod team-a/nexus-other refused: it is not the Pod of workspace web (nexus-web)'],
  ])('refuses %s under cluster trust', (_what, s, message) => {
    const refused = refusal(() => admitSyncSession(s, 'cluster'));
    expect(refused?.reason).toBe('EndpointNotAllowed');
    expect(refused?.message).toContain(message);
  });

  it('admits its owning workspace\'s Pod under cluster trust (the Pod is checked when opened), and anything under local trust', () => {
    expect(refusal(() => admitSyncSession(session('pod://team-a/nexus-web/workspace/x', 'pod://team-a/nexus-web/svc-db/data', 'team-a', 'web'), 'cluster'))).toBeUndefined();
    expect(refusal(() => admitSyncSession(session('/home/dev/w', 'pod://other/p/c/w'), 'local'))).toBeUndefined();
    expect(refusal(() => admitSyncSession(session('pod://team-a/postgres-0/c/x', 'pod://team-a/b/c/'), 'local'))).toBeUndefined();
  });
});
