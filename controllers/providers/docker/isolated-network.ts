/**
 * The isolated network (issue 19): ONE user-defined bridge network, with inter-container traffic
 * off (`com.docker.network.bridge.enable_icc=false`), that every Docker workspace without services
 * runs on — one for the engine, and on a multi-user node one per owner (`nexus-isolated-<user>`,
 * labelled with the user), so that names of one user's workspaces do not even resolve in
 * another's (Docker's embedded DNS answers every container name and host name on a network). A
 * workspace with services keeps a network of its own (network.ts), where its containers reach
 * each other by name.
 *
 * Why: creating a bridge network is the engine's most expensive step of a workspace start after
 * the container start itself (~70–90 ms here, and dockerd creates networks one at a time, so 20
 * workspaces applied at once waited ~1.5 s for theirs), and Docker's default address pools hold
 * only ~30 bridge networks. On the isolated network containers cannot reach one another (the
 * engine drops bridge-to-bridge traffic), which keeps the isolation a network per workspace gave;
 * the host still reaches every container (port forwarding), and containers reach out as before.
 *
 * The network is the engine's, not a workspace's: it carries boulder's managed-by label and the
 * component label `isolated-network` (no workspace uid, so deleting a workspace never removes
 * it), is found by those labels and its ICC option, is created on first use (one create at a time
 * per process; a concurrent create by another process is adopted), and is left in place like
 * Docker's own default bridge.
 */
import type Dockerode from 'dockerode';
import { COMPONENT_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE, NETWORK_FAILED, USER_LABEL } from '../../../apis/names/index.ts';
import { ProviderError } from '../errors.ts';
import { isConflict, isNotFound, toProviderError } from './engine-errors.ts';
import { isolatedNetworkNames } from './names.ts';
import type { WorkspaceNetwork } from './workspace-network.ts';

/** Value of `nexus.dev/component` on the isolated network. */
export const ISOLATED_NETWORK_COMPONENT = 'isolated-network';

/** The bridge driver option that turns inter-container communication off. */
export const ICC_OPTION = 'com.docker.network.bridge.enable_icc';

/** The labels the isolated network of `user` (undefined: the engine's) is created with and found by. */
export function isolatedNetworkLabels(user?: string): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [COMPONENT_LABEL]: ISOLATED_NETWORK_COMPONENT, ...(user !== undefined ? { [USER_LABEL]: user } : {}) };
}

/** Whether a listed network carries the isolated network's component label (a candidate; `isIsolatedNetwork` decides). */
export function isIsolatedCandidate(network: Pick<Dockerode.NetworkInspectInfo, 'Labels'>): boolean {
  return network.Labels?.[COMPONENT_LABEL] === ISOLATED_NETWORK_COMPONENT;
}

/**
 * Whether a listed or inspected network is boulder's isolated network of `user` (undefined: the
 * engine's, carrying no user): its labels, a bridge, and ICC off (pure).
 */
export function isIsolatedNetwork(network: Pick<Dockerode.NetworkInspectInfo, 'Labels' | 'Driver' | 'Options'>, user?: string): boolean {
  const labels = network.Labels ?? {};
  return (
    labels[MANAGED_BY_LABEL] === MANAGED_BY_VALUE &&
    isIsolatedCandidate(network) &&
    labels[USER_LABEL] === user &&
    network.Driver === 'bridge' &&
    network.Options?.[ICC_OPTION] === 'false'
  );
}

/** The isolated network of `user` among listed networks (the oldest, when there are several), if any (pure). */
export function pickIsolatedNetwork(networks: readonly Dockerode.NetworkInspectInfo[], user?: string): Dockerode.NetworkInspectInfo | undefined {
  return networks.filter((n) => isIsolatedNetwork(n, user)).sort((a, b) => Date.parse(a.Created) - Date.parse(b.Created))[0];
}

/** The isolated network as a workspace uses it. */
export function asIsolated(network: Pick<Dockerode.NetworkInspectInfo, 'Id' | 'Name'>): WorkspaceNetwork {
  return { id: network.Id, name: network.Name, isolated: true };
}

/**
 * Creates an isolated network when a listing found none: one create at a time per process and
 * owner (20 workspaces applied at once on a fresh engine make one network, not 20), and a name
 * another process took first is adopted when it is that isolated network, skipped for the
 * fallback name when it is not.
 */
export class IsolatedNetworkMaker {
  readonly #names: (user?: string) => readonly string[];
  readonly #inFlight = new Map<string, Promise<WorkspaceNetwork>>();

  /** `names`: the names tried in order for an owner (tests pass their own). */
  constructor(names: (user?: string) => readonly string[] = isolatedNetworkNames) {
    this.#names = names;
  }

  /** The isolated network of `user` (undefined: the engine's), created unless another create (here or elsewhere) made it first. */
  make(docker: Dockerode, user?: string): Promise<WorkspaceNetwork> {
    const key = user ?? '';
    let pending = this.#inFlight.get(key);
    if (pending === undefined) {
      pending = createIsolatedNetwork(docker, this.#names(user), user).finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, pending);
    }
    return pending;
  }
}

async function createIsolatedNetwork(docker: Dockerode, names: readonly string[], user: string | undefined): Promise<WorkspaceNetwork> {
  for (const name of names) {
    try {
      const created = await docker.createNetwork({ Name: name, Driver: 'bridge', CheckDuplicate: true, Labels: isolatedNetworkLabels(user), Options: { [ICC_OPTION]: 'false' } });
      return { id: created.id, name, isolated: true };
    } catch (err) {
      if (!isConflict(err)) throw toProviderError(docker, err, NETWORK_FAILED, `creating the isolated network ${name}`);
    }
    const existing = await inspectNetwork(docker, name);
    if (existing !== undefined && isIsolatedNetwork(existing, user)) return asIsolated(existing);
  }
  throw new ProviderError(
    NETWORK_FAILED,
    `networks not made by boulder hold the names ${names.join(' and ')}; remove or rename one (docker network rm NAME) so workspaces without services get boulder's isolated network`,
    { transient: true },
  );
}

async function inspectNetwork(docker: Dockerode, name: string): Promise<Dockerode.NetworkInspectInfo | undefined> {
  try {
    return (await docker.getNetwork(name).inspect()) as Dockerode.NetworkInspectInfo;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw toProviderError(docker, err, NETWORK_FAILED, `inspecting network ${name}`);
  }
}
