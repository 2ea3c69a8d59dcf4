import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { Workspace } from '../../apis/types/index.ts';
import type { SyncSession } from '../../apis/types/syncsession.ts';
import { podManifest, workspaceOwnerReference } from '../providers/kubernetes/manifests.ts';
import { kubeNames } from '../providers/kubernetes/names.ts';
import { runtimeLabels, type DesiredRuntime } from '../providers/types.ts';
import { isTerminalError } from '../runtime/errors.ts';
import { admitSessionPods, podGuard, workspacePodRefusal } from './workspace-pod.ts';

const target = { namespace: 'team-a', name: 'web', uid: 'uid-web' };
const ws: Workspace = { apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name: 'web', namespace: 'team-a', uid: 'uid-web' }, spec: { backend: 'kubernetes', image: 'busybox' } };

/** The Pod the Kubernetes provider creates for `web` (with a `db` sidecar), as a controller does. */
function providerPod(): V1Pod {
  const desired: DesiredRuntime = {
    target,
    labels: runtimeLabels(target),
    image: 'busybox',
    imageSource: { kind: 'image', ref: 'busybox' },
    env: {},
    secretEnv: {},
    state: 'Running',
    containerPorts: [],
    services: [{ name: 'db', image: 'postgres', env: {}, command: [], containerPorts: [5432], volumes: ['data:/var/lib/postgresql'] }],
    mounts: [],
    workdir: '/workspace',
  };
  return podManifest(desired, kubeNames(target), { owner: workspaceOwnerReference(target) });
}

/** A database Pod of the namespace, relabelled to look like the workspace's (anyone who may patch Pods can). */
function relabelledDatabase(): V1Pod {
  const own = providerPod();
  return {
    metadata: { name: 'nexus-web', namespace: 'team-a', labels: own.metadata!.labels!, ownerReferences: own.metadata!.ownerReferences! },
    spec: {
      containers: [{ name: 'workspace', image: 'postgres', command: ['postgres'] }],
      volumes: [{ name: 'files', persistentVolumeClaim: { claimName: 'nexus-web-files' } }],
    },
  };
}

function session(owner = true): SyncSession {
  return {
    apiVersion: 'nexus.dev/v1alpha1',
    kind: 'SyncSession',
    metadata: { name: 's', namespace: 'team-a', ...(owner ? { ownerReferences: [{ apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', name: 'web', uid: 'uid-web', controller: true }] } : {}) },
    spec: { alpha: 'pod://team-a/nexus-web/workspace/workspace', beta: 'pod://team-a/nexus-web/svc-db/var/lib/postgresql' },
  } as SyncSession;
}

async function refusalOf(run: () => Promise<void>): Promise<{ reason: string; message: string } | undefined> {
  try {
    await run();
    return undefined;
  } catch (err) {
    if (!isTerminalError(err)) throw err;
    return { reason: err.reason, message: err.message };
  }
}

describe('workspacePodRefusal', () => {
  it('accepts the Pod the provider creates for the workspace, in its main container and a service sidecar', () => {
    expect(workspacePodRefusal(providerPod(), ws, 'workspace')).toBeUndefined();
    expect(workspacePodRefusal(providerPod(), ws, 'svc-db')).toBeUndefined();
  });

  it.each<[string, (pod: V1Pod) => void, string, string?]>([
    ['a Pod without boulder\'s labels (postgres-0)', (p) => (p.metadata!.labels = { app: 'postgres' }), "does not carry workspace web's labels"],
    ['a Pod of an earlier workspace of that name', (p) => (p.metadata!.labels!['nexus.dev/uid'] = 'uid-old'), 'nexus.dev/uid=uid-web'],
    ['a Pod without the ownerReference', (p) => delete p.metadata!.ownerReferences, 'is not controlled by workspace web (uid uid-web)'],
    ['a StatefulSet\'s Pod', (p) => (p.metadata!.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'postgres', uid: 'u-ss', controller: true }]), 'its controller is StatefulSet postgres'],
    ['a Pod with a host path', (p) => p.spec!.volumes!.push({ name: 'host', hostPath: { path: '/' } }), 'its volumes are not the workspace\'s (only the claim nexus-web-files): it has files, host'],
    ['a Pod with a service-account token', (p) => p.spec!.volumes!.push({ name: 'kube-api-access', projected: { sources: [] } }), 'it has files, kube-api-access'],
    ['a Pod on another claim', (p) => (p.spec!.volumes = [{ name: 'files', persistentVolumeClaim: { claimName: 'data-postgres-0' } }]), 'it has files'],
    ['a container that is not one of its own', () => undefined, 'it has no container debugger', 'debugger'],
  ])('refuses %s', (_what, change, message, container = 'workspace') => {
    const pod = providerPod();
    change(pod);
    expect(workspacePodRefusal(pod, ws, container)).toContain(message);
  });

  it('refuses another Pod relabelled and re-owned to look like the workspace\'s: its immutable spec gives it away', () => {
    expect(workspacePodRefusal(relabelledDatabase(), ws, 'workspace')).toBe('its workspace container is not the one boulder creates (command differs)');
  });
});

describe('admitSessionPods', () => {
  const read = (pod: V1Pod | undefined) => () => Promise.resolve(pod);

  it('admits the owning workspace\'s own Pod, and a Pod that does not exist yet (nothing to reach)', async () => {
    await expect(admitSessionPods(session(), ws, read(providerPod()))).resolves.toBeUndefined();
    await expect(admitSessionPods(session(), ws, read(undefined))).resolves.toBeUndefined();
  });

  it('refuses a foreign Pod under the workspace Pod\'s name, naming the Pod and why', async () => {
    const refused = await refusalOf(() => admitSessionPods(session(), ws, read(relabelledDatabase())));
    expect(refused).toEqual({
      reason: 'EndpointNotAllowed',
      message: 'spec.alpha: pod team-a/nexus-web refused: it is not a Pod boulder created for workspace web: its workspace container is not the one boulder creates (command differs)',
    });
  });

  it('refuses when the owning workspace does not exist (or is a later one of that name), or the Pod cannot be checked', async () => {
    expect((await refusalOf(() => admitSessionPods(session(), undefined, read(providerPod()))))?.message).toBe(
      'spec.alpha: pod team-a/nexus-web refused: the Workspace that owns this session (web, uid uid-web) does not exist',
    );
    const later = { ...ws, metadata: { ...ws.metadata, uid: 'uid-later' } };
    expect((await refusalOf(() => admitSessionPods(session(), later, read(providerPod()))))?.reason).toBe('EndpointNotAllowed');
    expect((await refusalOf(() => admitSessionPods(session(false), ws, read(providerPod()))))?.message).toContain('(none) does not exist');
    expect((await refusalOf(() => admitSessionPods(session(), ws, undefined)))?.message).toContain('this controller has no cluster to check the Pod in');
  });
});

describe('podGuard', () => {
  const targetPod = { namespace: 'team-a', pod: 'nexus-web', container: 'workspace', path: '/workspace' };

  it('lets an exec into the workspace\'s Pod through, fails it while the Pod is missing, refuses a foreign one', async () => {
    const owner = () => Promise.resolve(ws);
    await expect(podGuard(session(), owner, () => Promise.resolve(providerPod()))(targetPod)).resolves.toBeUndefined();
    const missing = await podGuard(session(), owner, () => Promise.resolve(undefined))(targetPod).catch((err: unknown) => err);
    expect(isTerminalError(missing)).toBe(false);
    expect((missing as Error).message).toBe('pod team-a/nexus-web does not exist');
    const foreign = await refusalOf(() => podGuard(session(), owner, () => Promise.resolve(relabelledDatabase()))(targetPod));
    expect(foreign?.reason).toBe('EndpointNotAllowed');
  });
});
