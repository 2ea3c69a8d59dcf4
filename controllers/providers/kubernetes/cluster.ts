/**
 * The connection to a cluster: a KubeConfig (a kubeconfig file and context, or the in-cluster
 * service account) and the typed CoreV1 client built from it.
 */
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { loadKubeConfig, type KubeConfigOptions } from '../../../apis/client/kubernetes/kubeconfig.ts';

/** The one kubeconfig loader (apis/client/kubernetes/kubeconfig.ts), for callers of this module. */
export { loadKubeConfig };

/** Where the cluster is: a kubeconfig file and context, or an already loaded configuration. */
export type ClusterOptions = KubeConfigOptions;

/** The loaded configuration and the CoreV1 client of a cluster. */
export interface Cluster {
  kubeConfig: KubeConfig;
  core: CoreV1Api;
}

/** Connects to the cluster (no request is made until the first call). */
export function connectCluster(options: ClusterOptions): Cluster {
  const kubeConfig = loadKubeConfig(options);
  return { kubeConfig, core: kubeConfig.makeApiClient(CoreV1Api) };
}
