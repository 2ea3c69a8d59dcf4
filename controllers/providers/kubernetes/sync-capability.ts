/**
 * The Kubernetes provider's sync capability (controllers/providers/sync-capability.ts): `pod://`
 * endpoints, `pod://<namespace>/<pod>/<container>/<absolute path>`, a directory in a container of
 * a running Pod reached by exec through the API server with the provider's own kubeconfig. Under
 * cluster trust every exec is checked first (`SyncEndpointContext.podGuard`). The endpoint protocol
 * is the sync engine's (controllers/sync/kubernetes), loaded on first use. Only type imports of
 * the client library here: the lazy provider offers this without loading it.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { BoulderError } from '../../../apis/errors.ts';
import { parsePodAddress } from '../../sync/kubernetes/address.ts';
import type { SyncCapability } from '../sync-capability.ts';

/** The capability over the cluster whose configuration `kubeConfig` gives (loaded when the first endpoint opens). */
export function podSyncCapability(kubeConfig: () => Promise<KubeConfig>): SyncCapability {
  return {
    schemes: ['pod'],
    async open(address, context) {
      const target = parsePodAddress(address);
      if (target === undefined) throw new BoulderError('BadRequest', `"${address}" is not a Pod address`);
      const [config, { createPodEndpoint }] = await Promise.all([kubeConfig(), import('../../sync/kubernetes/pod-endpoint.ts')]);
      const guard = context.podGuard;
      return createPodEndpoint({ kubeConfig: config, ...target, ...(guard !== undefined ? { guard: () => guard(target) } : {}) });
    },
  };
}
