/**
 * The network a workspace's containers run on: a workspace with services has a user-defined bridge
 * network of its own (found by label, created when missing), where its containers reach each other
 * by name; a workspace without services runs on the engine's isolated network
 * (isolated-network.ts). Containers are (re)attached when their network was recreated under them
 * or the workspace moved between the two (services added or removed); Docker keeps a stopped
 * container's endpoint config for a deleted network, so a stale entry is force-disconnected before
 * connecting: the container itself (and its filesystem) is kept.
 */
import type Dockerode from 'dockerode';
import type { DesiredRuntime, RuntimeTarget } from '../types.ts';
import type { WorkspaceSnapshot } from './snapshot.ts';
import { isConflict, isNotFound, toProviderError } from './engine-errors.ts';
import { asIsolated, pickIsolatedNetwork, type IsolatedNetworkMaker } from './isolated-network.ts';
import { objectLabels } from './labels.ts';
import { hostName, isolatedNetworkNames, networkName } from './names.ts';
import type { WorkspaceNetwork } from './workspace-network.ts';
import { NETWORK_FAILED, USER_LABEL } from '../../../apis/names/index.ts';
import { ProviderError } from '../errors.ts';

export type { WorkspaceNetwork } from './workspace-network.ts';

/** Whose containers a network step is about: the workspace's identity and its labels (which name its owner on a multi-user node). */
export type NetworkOwner = Pick<DesiredRuntime, 'target' | 'labels'>;

/** What the network step needs of a workspace: its identity, labels and (the number of) its services. */
export type NetworkRequest = NetworkOwner & { services: readonly unknown[] };

/** The owner whose isolated network a workspace uses: its user on a multi-user node, else none (the engine's). */
export function isolatedOwner(owner: NetworkOwner): string | undefined {
  return owner.labels[USER_LABEL];
}

/**
 * Whether a workspace needs a network of its own (pure): its services and it reach each other by
 * name there; a workspace without services runs on the isolated network.
 */
export function needsOwnNetwork(services: readonly unknown[]): boolean {
  return services.length > 0;
}

/** The network aliases of the main container: its host name on its own network, none on the shared isolated one. */
export function workspaceAliases(target: RuntimeTarget, network: WorkspaceNetwork): string[] {
  return network.isolated ? [] : [hostName(target)];
}

/** The workspace network and what ensuring it changed (`network created`, `network recreated`). */
export interface EnsuredNetwork {
  network: WorkspaceNetwork;
  changes: string[];
}

/**
 * The network the workspace's containers belong on: the isolated network (as listed, else made)
 * for a workspace without services; else its own network as listed, else a new one (created with
 * `desired`'s labels).
 */
export async function ensureWorkspaceNetwork(docker: Dockerode, desired: NetworkRequest, snapshot: WorkspaceSnapshot, isolated: IsolatedNetworkMaker): Promise<EnsuredNetwork> {
  const user = isolatedOwner(desired);
  if (!needsOwnNetwork(desired.services)) {
    const listed = pickIsolatedNetwork(snapshot.isolatedNetworks, user);
    if (listed !== undefined) return { network: asIsolated(listed), changes: [] };
    const made = await isolated.make(docker, user);
    return { network: made, changes: [`isolated network ${made.name} ready`] };
  }
  if (snapshot.network !== undefined) return { network: { id: snapshot.network.Id, name: snapshot.network.Name, isolated: false }, changes: [] };
  const network = await createNetwork(docker, desired);
  return { network, changes: [hadOwnNetwork(snapshot, user) ? 'network recreated' : 'network created'] };
}

/**
 * Whether the workspace had a network of its own that went: it has containers, and its main
 * container is not on the isolated network (from which it is moving to a first network of its own).
 */
function hadOwnNetwork(snapshot: WorkspaceSnapshot, user: string | undefined): boolean {
  if (snapshot.main === undefined) return snapshot.services.size > 0;
  const networks = snapshot.main.NetworkSettings?.Networks ?? {};
  return !isolatedNetworkNames(user).some((name) => networks[name] !== undefined);
}

/** Creates the workspace network (plain name; the unique name when the plain one is taken). */
export async function createNetwork(docker: Dockerode, desired: Pick<DesiredRuntime, 'target' | 'labels'>): Promise<WorkspaceNetwork> {
  const labels = objectLabels(desired.labels, 'network');
  for (const unique of [false, true]) {
    const name = networkName(desired.target, { unique });
    try {
      const created = await docker.createNetwork({ Name: name, Driver: 'bridge', CheckDuplicate: true, Labels: labels });
      return { id: created.id, name, isolated: false };
    } catch (err) {
      if (!unique && isConflict(err)) continue;
      throw withPoolHint(toProviderError(docker, err, NETWORK_FAILED, `creating network ${name}`));
    }
  }
  throw new Error('unreachable');
}

/** The engine's words when its address pools have no subnet left for another network. */
const POOLS_EXHAUSTED = /non-overlapping IPv4 address pool|no available network|address pools have been fully subnetted/i;

/**
 * A network create refused because the engine's address pools are used up (Docker's defaults hold
 * about 30 bridge networks, and every workspace has its own) says what to do about it; it stays
 * transient: the create is retried, and succeeds once a network is freed.
 */
export function withPoolHint(err: ProviderError): ProviderError {
  if (!POOLS_EXHAUSTED.test(err.message)) return err;
  const hint =
    ' (the engine has no address range left for another network: every workspace has its own; delete workspaces you no longer need, remove unused networks with `docker network prune`, or give the engine more with "default-address-pools" in its daemon.json)';
  return new ProviderError(err.reason, `${err.message}${hint}`, { transient: err.transient, cause: err.cause });
}

/** Removes a network; a missing one counts as removed. */
export async function removeNetwork(docker: Dockerode, id: string): Promise<void> {
  try {
    await docker.getNetwork(id).remove();
  } catch (err) {
    if (isNotFound(err)) return;
    throw toProviderError(docker, err, NETWORK_FAILED, `removing network ${id}`);
  }
}

/** Names of every network boulder attaches a workspace's containers to: its own (either name) and its owner's isolated one. */
function boulderNetworkNames(owner: NetworkOwner): Set<string> {
  const { target } = owner;
  return new Set([networkName(target), networkName(target, { unique: true }), ...isolatedNetworkNames(isolatedOwner(owner))]);
}

/** Whether a listed container's entry for `network` is that network (also when never started, where Docker has not resolved the id yet). */
function onNetwork(container: Dockerode.ContainerInfo, network: WorkspaceNetwork): boolean {
  const entry = container.NetworkSettings?.Networks?.[network.name];
  return entry !== undefined && (entry.NetworkID === network.id || entry.NetworkID === '');
}

/** Boulder's network entries of a listed container other than `network` (to disconnect). */
function staleEntries(container: Dockerode.ContainerInfo, owner: NetworkOwner, network: WorkspaceNetwork): string[] {
  const ours = boulderNetworkNames(owner);
  return Object.keys(container.NetworkSettings?.Networks ?? {}).filter((name) => ours.has(name) && !(name === network.name && onNetwork(container, network)));
}

/**
 * Whether a listed container is on `network` and on no other network of boulder's for `target`:
 * `attached`, else `detached` (reattach fixes it).
 */
export function networkAttachment(container: Dockerode.ContainerInfo, owner: NetworkOwner, network: WorkspaceNetwork): 'attached' | 'detached' {
  return onNetwork(container, network) && staleEntries(container, owner, network).length === 0 ? 'attached' : 'detached';
}

/**
 * Attaches a container to `network` with `aliases`, first force-disconnecting the entries of
 * boulder's other networks for this workspace (its earlier own networks by either name, the
 * isolated network) that Docker kept.
 */
export async function reattach(
  docker: Dockerode,
  owner: NetworkOwner,
  container: Dockerode.ContainerInfo,
  network: WorkspaceNetwork,
  aliases: string[],
): Promise<void> {
  for (const name of staleEntries(container, owner, network)) {
    try {
      await docker.getNetwork(name).disconnect({ Container: container.Id, Force: true });
    } catch {
      // The entry may refer to a network that no longer exists; connecting below is what matters.
    }
  }
  if (onNetwork(container, network)) return;
  try {
    await docker.getNetwork(network.id).connect({ Container: container.Id, EndpointConfig: { Aliases: aliases } });
  } catch (err) {
    throw toProviderError(docker, err, NETWORK_FAILED, `connecting ${container.Names[0] ?? container.Id} to network ${network.name}`);
  }
}
