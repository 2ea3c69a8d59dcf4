/**
 * Public surface of the Kubernetes provider: the provider and its factory, object names and the
 * annotations/labels it sets (for tests, benchmarks and `kubectl` one-liners in docs).
 */
export { createKubernetesProvider, DEFAULT_READY_TIMEOUT_MS, KubernetesProvider, type KubernetesProviderOptions } from './kubernetes-provider.ts';
export { kubeNames, workspaceSelector, MANAGED_SELECTOR, type KubeNames } from './names.ts';
export { MAIN_CONTAINER } from './manifests.ts';
export { loadKubeConfig, type ClusterOptions } from './cluster.ts';
export { defaultPodAccess, type PodAccess } from './pod-access.ts';
export { dialPodPort, portForwardFailure, PortForwardError, DEFAULT_LINGER_MS, type DialPodPortOptions } from './port-forward.ts';
