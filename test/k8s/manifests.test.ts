/**
 * manifests/ against the real test control plane: `kubectl apply -k manifests/` installs CRDs,
 * namespace, RBAC and the controller Deployment (kwok reports its Pod Running; the image is never
 * pulled), and the ClusterRole grants exactly the rights the controller uses — checked both on the
 * YAML (set equality with the table below) and through `kubectl auth can-i` as the ServiceAccount.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { REPO_ROOT, kubectl, kubectlOk, startCluster, type ClusterEnv } from './cluster-env.ts';

/**
 * What the controller calls, by API group and resource: the Workspace/PortBinding/SyncSession
 * controllers (get/list/watch; update for finalizers and status; create and update the PortBindings
 * and SyncSessions a Workspace owns; delete a PortBinding whose port is gone; workspaces/finalizers
 * for blockOwnerDeletion) and the Kubernetes provider (Pods: read, watch, create, delete; Services
 * and PVCs: read, create, replace, delete; pods/exec for lifecycle scripts, hooks and Pod sync).
 * No Secrets and no Events: on a cluster boulder holds no secret value (secretRef is a reference in
 * the Pod) and records no events.
 */
const USED: { group: string; resource: string; verbs: string[] }[] = [
  { group: 'nexus.dev', resource: 'workspaces', verbs: ['get', 'list', 'watch', 'update'] },
  { group: 'nexus.dev', resource: 'portbindings', verbs: ['get', 'list', 'watch', 'create', 'update', 'delete'] },
  { group: 'nexus.dev', resource: 'syncsessions', verbs: ['get', 'list', 'watch', 'create', 'update'] },
  ...['workspaces/status', 'workspaces/finalizers', 'portbindings/status', 'syncsessions/status'].map((resource) => ({ group: 'nexus.dev', resource, verbs: ['update'] })),
  { group: '', resource: 'pods', verbs: ['get', 'list', 'watch', 'create', 'delete'] },
  ...['services', 'persistentvolumeclaims'].map((resource) => ({ group: '', resource, verbs: ['get', 'list', 'create', 'update', 'delete'] })),
  { group: '', resource: 'pods/exec', verbs: ['create', 'get'] },
];

const SA = 'system:serviceaccount:boulder-system:boulder';
let cluster: ClusterEnv;

beforeAll(async () => {
  cluster = await startCluster();
}, 180_000);

afterAll(async () => {
  if (cluster === undefined) return;
  // Only the Deployment: the CRDs, the boulder-system namespace, the ServiceAccount and its
  // ClusterRole are shared with suites running at the same time (controller-image.test.ts applies
  // the same files and mints the ServiceAccount's token), and apply is idempotent.
  await kubectl(cluster, ['delete', '--ignore-not-found', '--wait=false', '-f', join(REPO_ROOT, 'manifests', 'deploy/deployment.yaml')]);
});

function rulesOf(file: string): { group: string; resource: string; verbs: string[] }[] {
  const role = parse(readFileSync(join(REPO_ROOT, 'manifests', file), 'utf8')) as { rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[] };
  return role.rules.flatMap((r) => r.apiGroups.flatMap((group) => r.resources.map((resource) => ({ group, resource, verbs: [...r.verbs].sort() }))));
}

describe('manifests/', () => {
  it('the ClusterRole grants exactly the (group, resource, verbs) table the controller uses', () => {
    const key = (r: { group: string; resource: string; verbs: string[] }): string => `${r.group}/${r.resource}:${[...r.verbs].sort().join(',')}`;
    expect(rulesOf('rbac/cluster-role.yaml').map(key).sort()).toEqual(USED.map(key).sort());
  });

  it('kubectl apply -k manifests/ installs everything; the controller Deployment rolls out (on kwok)', async () => {
    const rendered = await kubectlOk(cluster, ['kustomize', 'manifests/']);
    const objects = parseAllDocuments(rendered).map((d) => d.toJS() as { kind: string; metadata: { name: string } });
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ClusterRole/boulder-controller',
      'ClusterRoleBinding/boulder-controller',
      'CustomResourceDefinition/portbindings.nexus.dev',
      'CustomResourceDefinition/syncsessions.nexus.dev',
      'CustomResourceDefinition/workspaces.nexus.dev',
      'Deployment/boulder-controller',
      'Namespace/boulder-system',
      'ServiceAccount/boulder',
    ]);
    const applied = await kubectl(cluster, ['apply', '--server-side', '--force-conflicts', '-k', 'manifests/']);
    expect(applied.stderr.replace(/^Warning:.*$/gm, '').trim()).toBe('');
    expect(applied.code).toBe(0);
    await kubectlOk(cluster, ['-n', 'boulder-system', 'rollout', 'status', 'deployment/boulder-controller', '--timeout=60s']);
    const pod = JSON.parse(await kubectlOk(cluster, ['-n', 'boulder-system', 'get', 'pods', '-l', 'app.kubernetes.io/name=boulder', '-o', 'json'])) as {
      items: { spec: { serviceAccountName: string; containers: { image: string; args: string[] }[] }; status: { phase: string } }[];
    };
    expect(pod.items).toHaveLength(1);
    expect(pod.items[0]!.spec.serviceAccountName).toBe('boulder');
    expect(pod.items[0]!.spec.containers[0]).toMatchObject({ image: 'ghcr.io/nexus-dev/boulder:0.1.0', args: ['controller'] });
    expect(pod.items[0]!.status.phase).toBe('Running');
  }, 90_000);

  it('the ServiceAccount may do everything in the table, cluster-wide, and nothing else checked', async () => {
    const canI = async (verb: string, resource: string, extra: string[] = []): Promise<string> =>
      (await kubectl(cluster, ['auth', 'can-i', verb, resource, '--as', SA, ...extra])).stdout.trim();
    for (const { group, resource, verbs } of USED) {
      const [base, sub] = resource.split('/');
      const target = group === '' ? base! : `${base}.${group}`;
      const subresource = sub === undefined ? [] : ['--subresource', sub];
      for (const verb of verbs) expect(`${verb} ${resource}: ${await canI(verb, target, ['-A', ...subresource])}`).toBe(`${verb} ${resource}: yes`);
    }
    for (const [verb, resource, sub] of [
      ['get', 'secrets'],
      ['list', 'secrets'],
      ['create', 'secrets'],
      ['create', 'events'],
      ['update', 'pods'],
      ['patch', 'workspaces.nexus.dev'],
      ['create', 'workspaces.nexus.dev'],
      ['delete', 'workspaces.nexus.dev'],
      ['get', 'nodes'],
      ['get', 'configmaps'],
      ['create', 'deployments.apps'],
      ['get', 'pods', 'log'],
      ['create', 'pods', 'portforward'],
      ['delete', 'namespaces'],
      ['create', 'clusterroles.rbac.authorization.k8s.io'],
      ['update', 'customresourcedefinitions.apiextensions.k8s.io'],
    ] as const) {
      const what = `${verb} ${resource}${sub ? `/${sub}` : ''}`;
      expect(`${what}: ${await canI(verb, resource, ['-A', ...(sub ? ['--subresource', sub] : [])])}`).toBe(`${what}: no`);
    }
  }, 120_000);
});
