/**
 * An `Endpoint` on a directory in a container of a Kubernetes Pod: the Docker endpoint's shell
 * machinery (shell agent, scan and apply scripts, tar reads, inotify/poll watcher) over Pod exec
 * through the API server (pod-transport.ts). The container needs a POSIX sh, find, stat -c,
 * sha256sum, tar, dd (with iflag=fullblock) and sleep with fractions; inotifywait is optional.
 * Addresses: `pod://<namespace>/<pod>/<container>/<absolute path>` (address.ts).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { createShellEndpoint, type ShellEndpoint } from '../docker/docker-endpoint.ts';
import type { PodPath } from './address.ts';
import { podTransport } from './pod-transport.ts';

/** Options of `createPodEndpoint`. */
export interface PodEndpointOptions extends PodPath {
  kubeConfig: KubeConfig;
  /** Poll interval of the fallback watcher (no inotifywait in the image), ms. Default 250. */
  pollIntervalMs?: number;
  /** Run before every exec; throws to refuse it (see PodTarget.guard). */
  guard?: () => Promise<void>;
}

/** Creates the endpoint (no request is made until the engine's first scan). */
export function createPodEndpoint(options: PodEndpointOptions): ShellEndpoint {
  const transport = podTransport({
    kubeConfig: options.kubeConfig,
    namespace: options.namespace,
    pod: options.pod,
    container: options.container,
    ...(options.guard !== undefined ? { guard: options.guard } : {}),
  });
  return createShellEndpoint(transport, { root: options.path, ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {}) });
}
