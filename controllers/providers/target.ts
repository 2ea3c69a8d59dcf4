/**
 * The runtime identity of a Workspace (namespace, name, uid): what every provider call is keyed
 * by. Defined here, beside the Provider contract, so the kinds that address a workspace's runtime
 * (the Workspace controller, the PortBinding controller's endpoint lookup, the CLI and the daemon
 * API) share one definition without importing each other.
 */
import { DEFAULT_NAMESPACE } from '../../apis/meta.ts';
import type { Workspace } from '../../apis/types/index.ts';
import type { RuntimeTarget } from './types.ts';

/** The runtime identity of a workspace object. */
export function runtimeTarget(ws: Workspace): RuntimeTarget {
  return {
    namespace: ws.metadata.namespace ?? DEFAULT_NAMESPACE,
    name: ws.metadata.name,
    uid: ws.metadata.uid ?? '',
  };
}
