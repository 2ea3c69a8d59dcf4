/**
 * What exists for a workspace, found by its `nexus.dev/uid` label: one container list and one
 * list of boulder's networks (its own network by that label, and the engine's isolated network),
 * issued in parallel (the only round trips of an unchanged ensure). Duplicates (two main
 * containers, two networks of its own) are kept aside as strays for ensure to remove.
 */
import type Dockerode from 'dockerode';
import type { ObservedRuntime, RuntimeState, RuntimeTarget } from '../types.ts';
import { isIsolatedCandidate } from './isolated-network.ts';
import { MANAGED_FILTER, uidFilter } from './labels.ts';
import { toProviderError } from './engine-errors.ts';
import { allSettled } from './settle.ts';
import { runAsDetail } from './container-spec.ts';
import { ENGINE_UNAVAILABLE, IMAGE_DIGEST_LABEL, ROLE_LABEL, RUN_AS_LABEL, SERVICE_LABEL, UID_LABEL, USER_LABEL } from '../../../apis/names/index.ts';

/** A workspace's Docker objects as listed. */
export interface WorkspaceSnapshot {
  /** The main container (the newest, when several carry the label). */
  main?: Dockerode.ContainerInfo;
  /** Service containers by service name. */
  services: Map<string, Dockerode.ContainerInfo>;
  /** The workspace's own network (the oldest, when several carry the label). */
  network?: Dockerode.NetworkInspectInfo;
  /** The isolated networks listed (isolated-network.ts: the engine's, or one per owner); `pickIsolatedNetwork` finds the workspace's. */
  isolatedNetworks: Dockerode.NetworkInspectInfo[];
  /** Labelled objects that should not exist: duplicates. */
  strayContainers: Dockerode.ContainerInfo[];
  strayNetworks: Dockerode.NetworkInspectInfo[];
}

/** Lists the workspace's containers and boulder's networks (by label, in parallel). */
export async function snapshotWorkspace(docker: Dockerode, target: RuntimeTarget): Promise<WorkspaceSnapshot> {
  let containers: Dockerode.ContainerInfo[];
  let networks: Dockerode.NetworkInspectInfo[];
  try {
    [containers, networks] = await allSettled([docker.listContainers({ all: true, filters: uidFilter(target) }), listManagedNetworks(docker)]);
  } catch (err) {
    throw toProviderError(docker, err, ENGINE_UNAVAILABLE, 'listing the workspace objects');
  }
  return classify(containers, networks.filter((n) => n.Labels?.[UID_LABEL] === target.uid), networks.filter(isIsolatedCandidate));
}

/** Every network boulder manages: workspaces' own networks and the isolated network. */
export function listManagedNetworks(docker: Dockerode): Promise<Dockerode.NetworkInspectInfo[]> {
  return docker.listNetworks({ filters: { label: [MANAGED_FILTER] } }) as Promise<Dockerode.NetworkInspectInfo[]>;
}

/** Lists only the workspace's containers (for observe, pause, resume, stop). */
export async function listWorkspaceContainers(docker: Dockerode, target: RuntimeTarget): Promise<Dockerode.ContainerInfo[]> {
  try {
    return await docker.listContainers({ all: true, filters: uidFilter(target) });
  } catch (err) {
    throw toProviderError(docker, err, ENGINE_UNAVAILABLE, 'listing the workspace objects');
  }
}

/** Sorts a workspace's listed objects into main, services, its own network and strays (pure); `isolatedNetworks` are passed through. */
export function classify(containers: Dockerode.ContainerInfo[], networks: Dockerode.NetworkInspectInfo[], isolatedNetworks: Dockerode.NetworkInspectInfo[] = []): WorkspaceSnapshot {
  const snapshot: WorkspaceSnapshot = { services: new Map(), strayContainers: [], strayNetworks: [], isolatedNetworks };
  const newestFirst = [...containers].sort((a, b) => b.Created - a.Created);
  for (const c of newestFirst) {
    const role = c.Labels[ROLE_LABEL];
    const service = c.Labels[SERVICE_LABEL];
    if (role === 'workspace' && snapshot.main === undefined) snapshot.main = c;
    else if (role === 'service' && service !== undefined && !snapshot.services.has(service)) snapshot.services.set(service, c);
    else snapshot.strayContainers.push(c);
  }
  const oldestFirst = [...networks].sort((a, b) => Date.parse(a.Created) - Date.parse(b.Created));
  snapshot.network = oldestFirst[0];
  snapshot.strayNetworks = oldestFirst.slice(1);
  return snapshot;
}

/** Runtime state of a Docker container state (`running`, `paused`, `exited`, `created`, …). */
export function runtimeState(dockerState: string): RuntimeState {
  if (dockerState === 'running' || dockerState === 'restarting') return 'Running';
  if (dockerState === 'paused') return 'Paused';
  return 'Stopped';
}

/** The observed runtime of a snapshot; undefined when there is no main container. */
export function observedFromSnapshot(snapshot: Pick<WorkspaceSnapshot, 'main' | 'services'>): ObservedRuntime | undefined {
  const main = snapshot.main;
  if (main === undefined) return undefined;
  const observed: ObservedRuntime = {
    id: main.Id,
    state: runtimeState(main.State),
    image: main.Image,
    services: Object.fromEntries([...snapshot.services].map(([name, c]) => [name, { running: c.State === 'running' }])),
  };
  const digest = main.Labels[IMAGE_DIGEST_LABEL];
  if (digest !== undefined) observed.imageDigest = digest;
  // Multi-user node: who the container runs as is stated in the ContainerReady message.
  const runAs = main.Labels[RUN_AS_LABEL];
  if (runAs !== undefined) observed.detail = runAsDetail(main.Labels[USER_LABEL], runAs);
  return observed;
}

/** The main container (no `service`) or a service container of a workspace, found by label. */
export async function findContainer(docker: Dockerode, target: RuntimeTarget, service?: string): Promise<Dockerode.ContainerInfo | undefined> {
  const label = [...uidFilter(target).label, service === undefined ? `${ROLE_LABEL}=workspace` : `${SERVICE_LABEL}=${service}`];
  let found: Dockerode.ContainerInfo[];
  try {
    found = await docker.listContainers({ all: true, filters: { label } });
  } catch (err) {
    throw toProviderError(docker, err, ENGINE_UNAVAILABLE, 'listing the workspace objects');
  }
  return found.sort((a, b) => b.Created - a.Created)[0];
}
