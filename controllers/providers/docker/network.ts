/**
 * The workspace's user-defined bridge network: created when missing (found by label), and
 * containers (re)attached to it with their alias when it was recreated under them. Docker keeps a
 * stopped container's endpoint config for a deleted network, so a stale entry is force-
 * disconnected before connecting: the container itself (and its filesystem) is kept.
 */
import type Dockerode from 'dockerode';
import type { DesiredRuntime, RuntimeTarget } from '../types.ts';
import type { WorkspaceSnapshot } from './snapshot.ts';
import { isConflict, isNotFound, toProviderError } from './engine-errors.ts';
import { objectLabels } from './labels.ts';
import { networkName } from './names.ts';
import { NETWORK_FAILED } from '../../../apis/names/index.ts';
import { ProviderError } from '../errors.ts';

/** The network a workspace's containers use. */
export interface WorkspaceNetwork {
  id: string;
  name: string;
}

/** The workspace network and what ensuring it changed (`network created`, `network recreated`). */
export interface EnsuredNetwork {
  network: WorkspaceNetwork;
  changes: string[];
}

/** The network `snapshot` lists, else a new one (created with `desired`'s labels). */
export async function ensureWorkspaceNetwork(docker: Dockerode, desired: Pick<DesiredRuntime, 'target' | 'labels'>, snapshot: WorkspaceSnapshot): Promise<EnsuredNetwork> {
  if (snapshot.network !== undefined) return { network: { id: snapshot.network.Id, name: snapshot.network.Name }, changes: [] };
  const network = await createNetwork(docker, desired);
  const hadContainers = snapshot.main !== undefined || snapshot.services.size > 0;
  return { network, changes: [hadContainers ? 'network recreated' : 'network created'] };
}

/** Creates the workspace network (plain name; the unique name when the plain one is taken). */
export async function createNetwork(docker: Dockerode, desired: Pick<DesiredRuntime, 'target' | 'labels'>): Promise<WorkspaceNetwork> {
  const labels = objectLabels(desired.labels, 'network');
  for (const unique of [false, true]) {
    const name = networkName(desired.target, { unique });
    try {
      const created = await docker.createNetwork({ Name: name, Driver: 'bridge', CheckDuplicate: true, Labels: labels });
      return { id: created.id, name };
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

/**
 * Whether a listed container is on `network`: `attached` (also when never started, where Docker
 * has not resolved the id yet), else `detached`.
 */
export function networkAttachment(container: Dockerode.ContainerInfo, network: WorkspaceNetwork): 'attached' | 'detached' {
  const entry = container.NetworkSettings?.Networks?.[network.name];
  if (entry === undefined) return 'detached';
  return entry.NetworkID === network.id || entry.NetworkID === '' ? 'attached' : 'detached';
}

/**
 * Attaches a container to the workspace network with `aliases`, first force-disconnecting the
 * entries of this workspace's earlier networks (by either of its names) that Docker kept.
 */
export async function reattach(
  docker: Dockerode,
  target: RuntimeTarget,
  container: Dockerode.ContainerInfo,
  network: WorkspaceNetwork,
  aliases: string[],
): Promise<void> {
  const ours = new Set([networkName(target), networkName(target, { unique: true })]);
  const stale = Object.keys(container.NetworkSettings?.Networks ?? {}).filter((name) => ours.has(name));
  for (const name of stale) {
    try {
      await docker.getNetwork(name).disconnect({ Container: container.Id, Force: true });
    } catch {
      // The entry may refer to a network that no longer exists; connecting below is what matters.
    }
  }
  try {
    await docker.getNetwork(network.id).connect({ Container: container.Id, EndpointConfig: { Aliases: aliases } });
  } catch (err) {
    throw toProviderError(docker, err, NETWORK_FAILED, `connecting ${container.Names[0] ?? container.Id} to network ${network.name}`);
  }
}
