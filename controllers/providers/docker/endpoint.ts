/**
 * Where the host reaches a workspace's container: its IP address on the workspace's bridge
 * network (its own, or the engine's isolated one), read from the container list (found by label, like every other object). The daemon's
 * port forwarders connect there. On Linux bridge addresses are routable from the host; on Docker
 * Desktop (macOS, Windows) they live inside the VM and are not.
 */
import type Dockerode from 'dockerode';
import type { RuntimeEndpoint, RuntimeTarget } from '../types.ts';
import { isolatedNetworkNames, networkName } from './names.ts';
import { USER_LABEL } from '../../../apis/names/index.ts';
import { findContainer } from './snapshot.ts';

/** Docker states in which a container holds its network address. */
const ADDRESSED_STATES = new Set(['running', 'paused', 'restarting']);

/**
 * The address of a listed container (pure): its IP on the workspace network (plain or unique
 * name, then the isolated network), else on any network it has an address on; undefined when it is not running or paused,
 * or has no address.
 */
export function endpointOfContainer(container: Pick<Dockerode.ContainerInfo, 'State' | 'NetworkSettings'> & { Labels?: Record<string, string> }, target: RuntimeTarget): RuntimeEndpoint | undefined {
  if (!ADDRESSED_STATES.has(container.State)) return undefined;
  const networks = container.NetworkSettings?.Networks ?? {};
  const preferred = [networkName(target), networkName(target, { unique: true }), ...isolatedNetworkNames(container.Labels?.[USER_LABEL])];
  for (const name of preferred) {
    const address = networks[name]?.IPAddress;
    if (address !== undefined && address !== '') return { host: address };
  }
  for (const entry of Object.values(networks)) {
    if (entry.IPAddress !== undefined && entry.IPAddress !== '') return { host: entry.IPAddress };
  }
  return undefined;
}

/** The address of the workspace's main container (or `service`), or undefined; see `endpointOfContainer`. */
export async function containerEndpoint(docker: Dockerode, target: RuntimeTarget, service?: string): Promise<RuntimeEndpoint | undefined> {
  const container = await findContainer(docker, target, service);
  return container === undefined ? undefined : endpointOfContainer(container, target);
}
