/**
 * The Kubernetes provider against the real test control plane (kube-apiserver, controller-manager,
 * scheduler, kwok): Pod, Secret, Service and PVC from a DesiredRuntime; hash-driven recreate;
 * Stopped/Paused keep the PVC and remove the Pod; observe, endpoint, events, delete, exec's error
 * without a kubelet, and owner references collected by the cluster's garbage collector.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { Workspace } from '../../apis/types/index.ts';
import { desiredRuntime } from '../../controllers/workspace/desired.ts';
import { createKubernetesProvider, kubeNames, type KubernetesProvider } from '../../controllers/providers/kubernetes/index.ts';
import type { ProviderEvent, RuntimeTarget } from '../../controllers/providers/types.ts';
import { dropNamespace, eventually, freshNamespace, installCrds, kubectlOk, startCluster, type ClusterEnv } from './cluster-env.ts';
import { CONFIG_HASH_KEY } from '../../apis/names/index.ts';

let cluster: ClusterEnv;
let namespace: string;
let provider: KubernetesProvider;
let core: CoreV1Api;

function workspace(name: string, spec: Partial<Workspace['spec']> = {}, uid = `uid-${name}`): Workspace {
  return {
    apiVersion: 'nexus.dev/v1alpha1',
    kind: 'Workspace',
    metadata: { name, namespace, uid, generation: 1 },
    spec: { backend: 'kubernetes', image: 'busybox:1.37', ...spec },
  } as Workspace;
}

async function exists(kind: 'pod' | 'service' | 'secret' | 'pvc', name: string): Promise<boolean> {
  try {
    if (kind === 'pod') await core.readNamespacedPod({ namespace, name });
    else if (kind === 'service') await core.readNamespacedService({ namespace, name });
    else if (kind === 'secret') await core.readNamespacedSecret({ namespace, name });
    else await core.readNamespacedPersistentVolumeClaim({ namespace, name });
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  cluster = await startCluster();
  await installCrds(cluster);
  namespace = await freshNamespace(cluster, 'prov');
  provider = createKubernetesProvider({ kubeconfig: cluster.kubeconfig, readyTimeoutMs: 30_000 });
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  core = kc.makeApiClient(CoreV1Api);
}, 180_000);

afterAll(async () => {
  if (cluster !== undefined && namespace !== undefined) await dropNamespace(cluster, namespace);
});

describe('KubernetesProvider', () => {
  it('creates Pod, Secret, Service and PVC, labelled, and reports the Pod Running once kwok does', async () => {
    const ws = workspace('alpha', {
      env: { GREETING: 'hello' },
      resources: { cpu: '500m', memory: '256Mi' },
      ports: { web: { containerPort: 8080 } },
      services: { db: { image: 'postgres:17', env: { POSTGRES_PASSWORD: 'x' }, ports: [{ containerPort: 5432 }], volumes: ['data:/var/lib/postgresql/data'] } },
    } as Partial<Workspace['spec']>);
    const desired = desiredRuntime(ws, { secretEnv: { API_TOKEN: 's3cr3t-value' } });
    const result = await provider.ensure(desired);
    expect(result.outcome).toBe('created');
    expect(result.containerCreated).toBe(true);
    expect(result.observed.state).toBe('Running');
    expect(result.observed.services).toEqual({ db: { running: true } });

    const names = kubeNames(desired.target);
    const pod = await core.readNamespacedPod({ namespace, name: names.pod });
    expect(pod.status?.phase).toBe('Running');
    expect(pod.spec?.nodeName).toBe(cluster.node);
    expect(pod.metadata?.labels).toMatchObject({ 'nexus.dev/workspace': 'alpha', 'nexus.dev/namespace': namespace, 'app.kubernetes.io/managed-by': 'boulder' });
    const [main, db] = pod.spec!.containers;
    expect(main!.image).toBe('busybox:1.37');
    expect(main!.env).toEqual([{ name: 'GREETING', value: 'hello' }]);
    expect(main!.envFrom).toEqual([{ secretRef: { name: names.secret } }]);
    expect(main!.resources).toEqual({ requests: { cpu: '500m', memory: '256Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
    expect(main!.volumeMounts).toEqual([{ name: 'files', mountPath: '/workspace' }]);
    expect(db!.name).toBe('svc-db');
    expect(db!.volumeMounts).toEqual([{ name: 'files', mountPath: '/var/lib/postgresql/data', subPath: '.services/db/data' }]);
    expect(JSON.stringify(pod)).not.toContain('s3cr3t-value');

    const secret = await core.readNamespacedSecret({ namespace, name: names.secret });
    expect(Buffer.from(secret.data!['API_TOKEN']!, 'base64').toString()).toBe('s3cr3t-value');
    const service = await core.readNamespacedService({ namespace, name: names.pod });
    expect(service.spec?.ports?.map((p) => p.port)).toEqual([5432, 8080]);
    const pvc = await core.readNamespacedPersistentVolumeClaim({ namespace, name: names.pvc });
    expect(pvc.metadata?.labels?.['nexus.dev/workspace']).toBe('alpha');
    // From outside the cluster a Pod is dialled through pods/portforward; in-cluster, by its IP.
    const endpoint = await provider.endpoint(desired.target);
    expect(endpoint).toMatchObject({ host: `pod/${names.pod}`, instance: pod.metadata?.uid });
    expect(typeof endpoint?.dial).toBe('function');
    const direct = await createKubernetesProvider({ kubeconfig: cluster.kubeconfig, podAccess: 'direct' }).endpoint(desired.target);
    expect(direct).toEqual({ host: pod.status?.podIP });
    expect(direct?.host).toMatch(/^10\.244\./);

    const again = await provider.ensure(desired);
    expect(again).toMatchObject({ outcome: 'unchanged', changes: [], containerCreated: false });
    expect(again.observed.id).toBe(pod.metadata?.uid);
  });

  it('recreates the Pod when its configuration hash changes, and updates the Secret', async () => {
    const ws = workspace('beta');
    const target: RuntimeTarget = { namespace, name: 'beta', uid: 'uid-beta' };
    const first = await provider.ensure(desiredRuntime(ws, { secretEnv: { TOKEN: 'one' } }));
    const changed = await provider.ensure(desiredRuntime(workspace('beta', { env: { A: '1' } }), { secretEnv: { TOKEN: 'two' } }));
    expect(changed.outcome).toBe('updated');
    expect(changed.changes).toEqual(['secret updated', 'container recreated (configuration changed)']);
    expect(changed.observed.id).not.toBe(first.observed.id);
    const pod = await core.readNamespacedPod({ namespace, name: kubeNames(target).pod });
    expect(pod.metadata?.annotations?.[CONFIG_HASH_KEY]).toMatch(/^[0-9a-f]{64}$/);
    const secret = await core.readNamespacedSecret({ namespace, name: kubeNames(target).secret });
    expect(Buffer.from(secret.data!['TOKEN']!, 'base64').toString()).toBe('two');
  });

  it('Stopped and Paused remove the Pod and keep PVC, Secret and Service; Running brings the Pod back', async () => {
    const spec = { ports: { web: { containerPort: 3000 } } } as Partial<Workspace['spec']>;
    const target: RuntimeTarget = { namespace, name: 'gamma', uid: 'uid-gamma' };
    const names = kubeNames(target);
    await provider.ensure(desiredRuntime(workspace('gamma', spec), { secretEnv: { K: 'v' } }));

    const stopped = await provider.ensure(desiredRuntime(workspace('gamma', { ...spec, state: 'Stopped' }), { secretEnv: { K: 'v' } }));
    expect(stopped.changes).toEqual(['pod removed (stopped)']);
    expect(stopped.observed.state).toBe('Stopped');
    expect(await exists('pod', names.pod)).toBe(false);
    expect([await exists('pvc', names.pvc), await exists('secret', names.secret), await exists('service', names.pod)]).toEqual([true, true, true]);
    expect((await provider.observe(target))?.state).toBe('Stopped');
    expect(await provider.endpoint(target)).toBeUndefined();

    const paused = await provider.ensure(desiredRuntime(workspace('gamma', { ...spec, state: 'Paused' }), { secretEnv: { K: 'v' } }));
    expect(paused.observed.state).toBe('Paused');
    expect((await provider.observe(target))?.state).toBe('Paused');

    const running = await provider.ensure(desiredRuntime(workspace('gamma', spec), { secretEnv: { K: 'v' } }));
    expect(running.containerCreated).toBe(true);
    expect(running.observed.state).toBe('Running');
    expect((await provider.observe(target))?.state).toBe('Running');

    await provider.stop(target);
    await eventually('pod removed by stop()', async () => ((await exists('pod', names.pod)) ? undefined : true));
    expect((await provider.observe(target))?.state).toBe('Stopped');
  });

  it('repairs a Pod deleted behind its back and streams a drift hint for it', async () => {
    const target: RuntimeTarget = { namespace, name: 'delta', uid: 'uid-delta' };
    const desired = desiredRuntime(workspace('delta'));
    await provider.ensure(desired);
    const abort = new AbortController();
    const hints: ProviderEvent[] = [];
    const pump = (async () => {
      for await (const event of provider.events(abort.signal)) {
        if (event.name === 'delta') hints.push(event);
      }
    })();
    await eventually('the initial hint (relist)', async () => (hints.length > 0 ? true : undefined));
    const before = hints.length;
    await kubectlOk(cluster, ['-n', namespace, 'delete', 'pod', kubeNames(target).pod, '--wait=false']);
    await eventually('a hint for the deleted pod', async () => (hints.slice(before).some((h) => h.reason.startsWith('pod deleted')) ? true : undefined));
    expect(hints[0]).toMatchObject({ namespace, name: 'delta' });
    abort.abort();
    await pump;
    const repaired = await provider.ensure(desired);
    expect(repaired.changes).toContain('container created');
    expect(repaired.observed.state).toBe('Running');
  });

  it('exec and logs fail with a clear error, since no kubelet is behind the simulated node', async () => {
    const target: RuntimeTarget = { namespace, name: 'epsilon', uid: 'uid-epsilon' };
    await provider.ensure(desiredRuntime(workspace('epsilon')));
    const started = Date.now();
    await expect(provider.exec(target, ['true'])).rejects.toThrow(/exec in pod .*epsilon.* failed: .*kubelet/);
    expect(Date.now() - started).toBeLessThan(20_000);
    const { PassThrough } = await import('node:stream');
    await expect(provider.logs(target, { stdout: new PassThrough(), stderr: new PassThrough() })).rejects.toThrow(/logs of pod .*kubelet/);
  }, 60_000);

  it('delete removes every labelled object (PVC included) and is idempotent', async () => {
    const target: RuntimeTarget = { namespace, name: 'zeta', uid: 'uid-zeta' };
    const names = kubeNames(target);
    await provider.ensure(desiredRuntime(workspace('zeta', { ports: { p: { containerPort: 80 } } } as Partial<Workspace['spec']>), { secretEnv: { S: 'x' } }));
    expect(await provider.delete(target)).toBe('deleted');
    await eventually('every object gone', async () => {
      const left = await Promise.all([exists('pod', names.pod), exists('service', names.pod), exists('secret', names.secret), exists('pvc', names.pvc)]);
      return left.some(Boolean) ? undefined : true;
    });
    expect(await provider.observe(target)).toBeUndefined();
    expect(await provider.delete(target)).toBe('unchanged');
  });

  it('owns its objects by the Workspace when it lives in the cluster: deleting the Workspace collects them', async () => {
    const owned = createKubernetesProvider({ kubeconfig: cluster.kubeconfig, ownerReferences: true });
    const manifest = { apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name: 'owned', namespace }, spec: { backend: 'kubernetes', image: 'busybox:1.37' } };
    await kubectlOk(cluster, ['apply', '-f', '-'], { input: JSON.stringify(manifest) });
    const uid = (await kubectlOk(cluster, ['-n', namespace, 'get', 'workspace', 'owned', '-o', 'jsonpath={.metadata.uid}'])).trim();
    const ws = workspace('owned', {}, uid);
    await owned.ensure(desiredRuntime(ws, { secretEnv: { S: 'x' } }));
    const names = kubeNames({ namespace, name: 'owned', uid });
    const pod = await core.readNamespacedPod({ namespace, name: names.pod });
    expect(pod.metadata?.ownerReferences).toEqual([{ apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', name: 'owned', uid, controller: true, blockOwnerDeletion: true }]);
    await kubectlOk(cluster, ['-n', namespace, 'delete', 'workspace', 'owned', '--wait=false']);
    await eventually('garbage collection of pod, secret and pvc', async () => {
      const left = await Promise.all([exists('pod', names.pod), exists('secret', names.secret), exists('pvc', names.pvc)]);
      return left.some(Boolean) ? undefined : true;
    }, 60_000);
  }, 90_000);

  it('rejects a build spec and host-path service volumes as invalid, before writing anything', async () => {
    const build = workspace('eta', { image: undefined, build: { context: '.' }, repository: { path: '/tmp/repo' } } as Partial<Workspace['spec']>);
    await expect(provider.ensure(desiredRuntime(build))).rejects.toThrow(/spec.build is not supported by the kubernetes backend/);
    const hostVolume = workspace('eta', { services: { db: { image: 'postgres', volumes: ['/srv/data:/data'] } } } as Partial<Workspace['spec']>);
    await expect(provider.ensure(desiredRuntime(hostVolume))).rejects.toThrow(/only named volumes/);
    expect(await provider.observe({ namespace, name: 'eta', uid: 'uid-eta' })).toBeUndefined();
  });
});
