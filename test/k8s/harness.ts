/**
 * What the Kubernetes suites share: the control plane global setup started (`k8sEnv()`), the
 * ClientSpec of the test cluster, fresh namespaces per suite (`useNamespaces`), kubectl, and the
 * ConformanceHarness of the Kubernetes ResourceClient.
 */
import { afterAll, beforeAll, inject } from 'vitest';
import type { ConformanceHarness } from '../store/conformance.ts';
import { purgeNamespaces } from '../store/conformance.ts';
import type { KubernetesResourceClient } from '../../apis/client/kubernetes/kubernetes-client.ts';
import type { KubernetesClientSpec } from '../../apis/client/open.ts';
import {
  createNamespace,
  deleteNamespace,
  expireWatchHistory,
  kubectl,
  kubectlOk,
  openTestClient,
  uniqueName,
  type K8sTestEnv,
  type ProcessResult,
} from './control-plane.ts';
import './provided-context.ts';

export type { K8sTestEnv, ProcessResult } from './control-plane.ts';
export { uniqueName } from './control-plane.ts';

/** The test control plane (provided by test/k8s/global-setup.ts). */
export function k8sEnv(): K8sTestEnv {
  return inject('k8s');
}

/** The ClientSpec of the test cluster: what `openClient` and child processes use. */
export function kubernetesSpec(env: K8sTestEnv = k8sEnv()): KubernetesClientSpec {
  return { type: 'kubernetes', kubeconfig: env.kubeconfig };
}

/** Runs the test cluster's kubectl (`--kubeconfig` added). */
export function runKubectl(args: readonly string[], input?: string): Promise<ProcessResult> {
  return kubectl(k8sEnv(), args, input);
}

/** Runs kubectl; throws with its output on a non-zero exit; resolves with stdout. */
export function kubectlStdout(args: readonly string[], input?: string): Promise<string> {
  return kubectlOk(k8sEnv(), args, input);
}

/** Fresh namespaces of one suite and an admin client on the test cluster. */
export interface SuiteNamespaces {
  /** Names, known at collection time; they exist from `beforeAll` on. */
  readonly names: readonly string[];
  /** A client opened in `beforeAll` (closed in `afterAll`). */
  client(): KubernetesResourceClient;
}

/**
 * Registers beforeAll/afterAll hooks that create `count` fresh namespaces named
 * `<prefix>-<random>` (then `-2`, `-3`, …) and start deleting them afterwards (without waiting:
 * the namespace controller takes seconds).
 */
export function useNamespaces(prefix: string, count = 1): SuiteNamespaces {
  const base = uniqueName(prefix);
  const names = Array.from({ length: count }, (_, i) => (i === 0 ? base : `${base}-${i + 1}`));
  let client: KubernetesResourceClient | undefined;
  beforeAll(async () => {
    client = await openTestClient(k8sEnv());
    for (const name of names) await createNamespace(client.connection, name);
  });
  afterAll(async () => {
    if (client === undefined) return;
    for (const name of names) await deleteNamespace(client.connection, name);
    await client.close();
  });
  return {
    names,
    client: () => {
      if (client === undefined) throw new Error('the suite client is opened in beforeAll');
      return client;
    },
  };
}

/**
 * The ConformanceHarness of the Kubernetes ResourceClient: two fresh namespaces, clients on the
 * test cluster, reset by deleting every object through the client, and expireHistory by
 * rebuilding the custom resources' watch caches (see expireWatchHistory).
 */
export function kubernetesConformanceHarness(prefix = 'conformance'): ConformanceHarness {
  const namespaces = useNamespaces(prefix, 2);
  const [namespace, otherNamespace] = namespaces.names as [string, string];
  return {
    namespace,
    otherNamespace,
    get workerSpec() {
      return kubernetesSpec();
    },
    newClient: () => openTestClient(k8sEnv()),
    reset: () => purgeNamespaces(namespaces.client(), [namespace, otherNamespace]),
    expireHistory: () => expireWatchHistory(namespaces.client()),
  };
}
