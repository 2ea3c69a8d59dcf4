/**
 * The connection to a cluster: a KubeConfig (a kubeconfig file and context, or the in-cluster
 * service account) and the typed CoreV1 client built from it.
 */
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';

/** Where the cluster is. */
export interface ClusterOptions {
  /** Path of a kubeconfig file; default: KUBECONFIG, ~/.kube/config or the in-cluster account. */
  kubeconfig?: string;
  /** Context of the kubeconfig to use; default: its current context. */
  context?: string;
  /** An already loaded configuration (wins over `kubeconfig`/`context`). */
  kubeConfig?: KubeConfig;
}

/** The loaded configuration and the CoreV1 client of a cluster. */
export interface Cluster {
  kubeConfig: KubeConfig;
  core: CoreV1Api;
}

/** Loads the configuration `options` name; throws when the file or context does not exist. */
export function loadKubeConfig(options: ClusterOptions): KubeConfig {
  if (options.kubeConfig !== undefined) return options.kubeConfig;
  const kc = new KubeConfig();
  if (options.kubeconfig !== undefined) kc.loadFromFile(options.kubeconfig);
  else kc.loadFromDefault();
  if (options.context !== undefined) {
    if (kc.getContextObject(options.context) === null) throw new Error(`kubeconfig has no context "${options.context}"`);
    kc.setCurrentContext(options.context);
  }
  return kc;
}

/** Connects to the cluster (no request is made until the first call). */
export function connectCluster(options: ClusterOptions): Cluster {
  const kubeConfig = loadKubeConfig(options);
  return { kubeConfig, core: kubeConfig.makeApiClient(CoreV1Api) };
}
