/**
 * `prepare` for Docker (Provider.prepare, issue 19): what ensure needs that depends only on the
 * workspace's identity, done while the caller still makes the worktree — the workspace's network
 * (its own when it declares services, else the engine's isolated one) is created when the listing
 * shows none, and a new workspace's image is inspected (never pulled
 * here: a missing image is pulled by ensure, with progress). It starts from the listing the
 * caller's concurrent `observe` takes, so it adds no round trip when there is nothing to set up.
 * Ensure then starts from the result: `preparedNetwork` and `preparedImage`.
 */
import type Dockerode from 'dockerode';
import type { PrepareRequest } from '../types.ts';
import { inspectLocalImageShared, imageDigest, type ResolvedImage } from './image-pull.ts';
import { pickIsolatedNetwork, type IsolatedNetworkMaker } from './isolated-network.ts';
import { ensureWorkspaceNetwork, isolatedOwner, needsOwnNetwork, type EnsuredNetwork, type NetworkRequest } from './network.ts';
import { allSettled } from './settle.ts';
import type { WorkspaceSnapshot } from './snapshot.ts';

/** What `prepareWorkspace` set up, for the next ensure of the workspace. */
export interface PreparedWorkspace {
  /** The listing prepare started from. */
  basis: WorkspaceSnapshot;
  /** The workspace network (created when `basis` had none). */
  network: EnsuredNetwork;
  /** The image as found locally (only for a workspace without a main container yet). */
  image?: ResolvedImage;
}

/** Sets up the network and inspects a new workspace's image; returns what it found and its phases (ms). */
export async function prepareWorkspace(
  docker: Dockerode,
  request: PrepareRequest,
  listing: Promise<WorkspaceSnapshot>,
  isolated: IsolatedNetworkMaker,
): Promise<{ prepared: PreparedWorkspace; phases: Record<string, number> }> {
  const started = performance.now();
  const phases: Record<string, number> = {};
  const timed = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
    const at = performance.now();
    try {
      return await run();
    } finally {
      phases[name] = performance.now() - at;
    }
  };
  const basis = await listing;
  phases.snapshot = performance.now() - started;
  const { imageRef } = request;
  // An existing main container keeps its image unless the config changed: ensure decides, inspecting then.
  const inspectImage = imageRef !== undefined && basis.main === undefined;
  const [network, image] = await allSettled([
    timed('network', () => ensureWorkspaceNetwork(docker, request, basis, isolated)),
    inspectImage ? timed('image', () => inspectLocalImageShared(docker, imageRef)) : undefined,
  ]);
  const prepared: PreparedWorkspace = { basis, network };
  if (image !== undefined && imageRef !== undefined) prepared.image = { ref: imageRef, digest: imageDigest(image), fetched: false };
  return { prepared, phases };
}

/**
 * The network prepare ensured, when it is the kind `desired` needs (its own or the isolated one)
 * and ensure starts from the same listing or still lists that network; undefined: ensure sees to
 * the network itself.
 */
export function preparedNetwork(prepared: PreparedWorkspace | undefined, snapshot: WorkspaceSnapshot, desired: NetworkRequest): EnsuredNetwork | undefined {
  if (prepared === undefined) return undefined;
  const { network } = prepared.network;
  if (network.isolated === needsOwnNetwork(desired.services)) return undefined;
  const listed = network.isolated ? pickIsolatedNetwork(snapshot.isolatedNetworks, isolatedOwner(desired)) : snapshot.network;
  if (snapshot === prepared.basis || listed?.Id === network.id) return prepared.network;
  return undefined;
}

/** The image prepare found present (undefined: ensure checks, and pulls when missing). */
export function preparedImage(prepared: PreparedWorkspace | undefined): ResolvedImage | undefined {
  return prepared?.image;
}
