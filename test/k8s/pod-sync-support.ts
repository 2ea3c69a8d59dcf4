/**
 * Pod sync support for the test cluster: a Pod whose exec kwok runs as a local process (a kwok
 * `Exec` object with the same name), so the Pod's "container filesystem" is this machine's and a
 * host temp directory can be the Pod endpoint's root; and the sync matrix fixture local directory ⇄
 * Pod endpoint, whose beta driver changes files directly in that directory (what a process in the
 * Pod does: kwok runs it here).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { createLocalEndpoint } from '../../controllers/sync/local/local-endpoint.ts';
import { createPodEndpoint } from '../../controllers/sync/kubernetes/pod-endpoint.ts';
import { createLocalSideDriver, type MakeMatrixFixture } from '../sync/matrix-support.ts';
import { kubectlOk, type ClusterEnv } from './cluster-env.ts';

/** The kwok Exec object that runs exec'd commands of Pod `name` locally in `workDir`. */
export function kwokExecManifest(namespace: string, name: string, workDir: string): string {
  return `
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Exec
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  execs:
  - local:
      workDir: ${JSON.stringify(workDir)}
`;
}

/** Creates a Pod with container `main` (plus its kwok Exec) and waits until it is Ready. */
export async function startExecPod(cluster: ClusterEnv, namespace: string, name: string, workDir: string): Promise<void> {
  const pod = `
apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  terminationGracePeriodSeconds: 0
  containers: [{name: main, image: busybox:1.37}]
`;
  await kubectlOk(cluster, ['apply', '-f', '-'], { input: `${kwokExecManifest(namespace, name, workDir)}\n---\n${pod}` });
  await kubectlOk(cluster, ['-n', namespace, 'wait', '--for=condition=Ready', `pod/${name}`, '--timeout=60s']);
}

/** The loaded kubeconfig of the test cluster. */
export function testKubeConfig(cluster: ClusterEnv): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  return kc;
}

/** Matrix fixture: a local alpha directory and beta = `<tmp>/beta` in Pod `pod` (container `main`). */
export function makePodFixture(kubeConfig: KubeConfig, namespace: string, pod: string): MakeMatrixFixture {
  return async () => {
    const base = await mkdtemp(join(tmpdir(), 'boulder-pod-sync-'));
    const alphaRoot = join(base, 'alpha');
    const betaRoot = join(base, 'beta');
    await mkdir(alphaRoot);
    await mkdir(betaRoot);
    const beta = (): ReturnType<typeof createPodEndpoint> => createPodEndpoint({ kubeConfig, namespace, pod, container: 'main', path: betaRoot });
    return {
      alpha: { endpoint: createLocalEndpoint(alphaRoot), driver: createLocalSideDriver(alphaRoot), root: alphaRoot },
      beta: { endpoint: beta(), driver: createLocalSideDriver(betaRoot) },
      reopen: () => Promise.resolve({ alpha: createLocalEndpoint(alphaRoot), beta: beta() }),
      cleanup: () => rm(base, { recursive: true, force: true }),
    };
  };
}
