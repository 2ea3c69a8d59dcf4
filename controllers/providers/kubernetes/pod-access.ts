/** How the machine running boulder reaches a Pod's ports (pure). */
import type { KubeConfig } from '@kubernetes/client-node';

/** How forwarders reach a Pod's ports: through the API server's `pods/portforward`, or the Pod IP. */
export type PodAccess = 'portforward' | 'direct';

/** Name client-node gives the cluster of the in-cluster service account configuration. */
const IN_CLUSTER = 'inCluster';

/**
 * `direct` when the configuration is the in-cluster service account (the controller runs in a
 * Pod, where Pod IPs are routable), else `portforward` through the API server.
 */
export function defaultPodAccess(kubeConfig: Pick<KubeConfig, 'getCurrentCluster'>): PodAccess {
  return kubeConfig.getCurrentCluster()?.name === IN_CLUSTER ? 'direct' : 'portforward';
}
