/**
 * End to end on the real test control plane: `kubectl apply -f` a Workspace (backend kubernetes)
 * → the in-process controllers create Pod, Service and PVC (the Pod references the namespace's own
 * Secret through `secretRef`; boulder holds no secret value on a cluster) → kwok reports the Pod Running
 * → `kubectl wait --for=condition=Ready` → Stopped removes the Pod and keeps the PVC → Running
 * brings it back → `kubectl delete` → every object is gone (finalizer cleanup and GC).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropNamespace, eventually, freshNamespace, installCrds, kubectl, kubectlOk, startCluster, type ClusterEnv } from './cluster-env.ts';
import { startClusterControllers, type ClusterControllers } from './cluster-controllers.ts';

let cluster: ClusterEnv;
let controllers: ClusterControllers;
let namespace: string;

beforeAll(async () => {
  cluster = await startCluster();
  await installCrds(cluster);
  namespace = await freshNamespace(cluster, 'e2e');
  await kubectlOk(cluster, ['-n', namespace, 'create', 'secret', 'generic', 'e2e-token', '--from-literal=token=e2e-secret-value']);
  controllers = await startClusterControllers(cluster.kubeconfig);
}, 180_000);

afterAll(async () => {
  await controllers?.stop();
  if (cluster !== undefined && namespace !== undefined) await dropNamespace(cluster, namespace);
});

const manifest = (state: string): string => `
apiVersion: nexus.dev/v1alpha1
kind: Workspace
metadata:
  name: web
spec:
  backend: kubernetes
  image: busybox:1.37
  env:
    APP_ENV: e2e
  secrets:
    - name: TOKEN
      secretRef:
        name: e2e-token
        key: token
  ports:
    http:
      containerPort: 8080
  services:
    cache:
      image: redis:7
      ports:
        - containerPort: 6379
  state: ${state}
`;

async function names(kind: string): Promise<string[]> {
  const out = await kubectlOk(cluster, ['-n', namespace, 'get', kind, '-l', 'nexus.dev/workspace=web', '-o', 'jsonpath={.items[*].metadata.name}']);
  return out.split(' ').filter(Boolean);
}

describe('kubectl apply → Pod, Service, PVC → Ready → Stopped → delete', () => {
  it('converges a kubectl-applied Workspace to a Running Pod and Ready', async () => {
    await kubectlOk(cluster, ['-n', namespace, 'apply', '-f', '-'], { input: manifest('Running') });
    await kubectlOk(cluster, ['-n', namespace, 'wait', '--for=condition=Ready', 'workspace/web', '--timeout=60s']);
    expect(await names('pods')).toEqual(['nexus-web']);
    expect(await names('services')).toEqual(['nexus-web']);
    expect(await names('persistentvolumeclaims')).toEqual(['nexus-web-files']);
    expect(await names('secrets')).toEqual([]);
    const env = await kubectlOk(cluster, ['-n', namespace, 'get', 'pod', 'nexus-web', '-o', 'jsonpath={.spec.containers[0].env[?(@.name=="TOKEN")].valueFrom.secretKeyRef}']);
    expect(JSON.parse(env)).toEqual({ name: 'e2e-token', key: 'token' });
    const phase = await kubectlOk(cluster, ['-n', namespace, 'get', 'pod', 'nexus-web', '-o', 'jsonpath={.status.phase}']);
    expect(phase).toBe('Running');
    const ws = JSON.parse(await kubectlOk(cluster, ['-n', namespace, 'get', 'workspace', 'web', '-o', 'json'])) as { metadata: { uid: string; finalizers?: string[] }; status: Record<string, unknown> };
    expect(ws.status['phase']).toBe('Running');
    expect(JSON.stringify(ws)).not.toContain('e2e-secret-value');
    expect(ws.metadata.finalizers?.length).toBeGreaterThan(0);
    const owners = await kubectlOk(cluster, ['-n', namespace, 'get', 'pod', 'nexus-web', '-o', 'jsonpath={.metadata.ownerReferences[0].uid}']);
    expect(owners).toBe(ws.metadata.uid);
  }, 90_000);

  it('Stopped removes the Pod and keeps PVC and Service; Running brings the Pod back', async () => {
    await kubectlOk(cluster, ['-n', namespace, 'apply', '-f', '-'], { input: manifest('Stopped') });
    await eventually('pod removed', async () => ((await names('pods')).length === 0 ? true : undefined), 60_000);
    await kubectlOk(cluster, ['-n', namespace, 'wait', '--for=jsonpath={.status.phase}=Stopped', 'workspace/web', '--timeout=60s']);
    expect(await names('persistentvolumeclaims')).toEqual(['nexus-web-files']);
    expect(await names('services')).toEqual(['nexus-web']);

    await kubectlOk(cluster, ['-n', namespace, 'apply', '-f', '-'], { input: manifest('Running') });
    await kubectlOk(cluster, ['-n', namespace, 'wait', '--for=jsonpath={.status.phase}=Running', 'workspace/web', '--timeout=60s']);
    await kubectlOk(cluster, ['-n', namespace, 'wait', '--for=condition=Ready', 'workspace/web', '--timeout=60s']);
    expect(await names('pods')).toEqual(['nexus-web']);
  }, 120_000);

  it('kubectl delete removes the Workspace and its Pod, Service and PVC (the user\'s Secret stays)', async () => {
    const deleted = await kubectl(cluster, ['-n', namespace, 'delete', 'workspace', 'web', '--timeout=60s']);
    expect(deleted.code).toBe(0);
    await eventually(
      'every object gone',
      async () => {
        const left = [...(await names('pods')), ...(await names('services')), ...(await names('persistentvolumeclaims')), ...(await names('secrets'))];
        return left.length === 0 ? true : undefined;
      },
      60_000,
    );
    expect((await kubectlOk(cluster, ['-n', namespace, 'get', 'secret', 'e2e-token', '-o', 'name'])).trim()).toBe('secret/e2e-token');
    const gone = await kubectl(cluster, ['-n', namespace, 'get', 'workspace', 'web']);
    expect(gone.stderr).toMatch(/NotFound/);
  }, 90_000);
});
