/**
 * What the ensure steps share: the Docker client, the caller's progress callback and abort signal,
 * the provider's cache of build-context file digests and its maker of the isolated network.
 */
import type Dockerode from 'dockerode';
import type { ProgressEvent, RuntimeTarget } from '../types.ts';
import type { FileDigestCache } from './build-context.ts';
import type { IsolatedNetworkMaker } from './isolated-network.ts';
import type { WorkspaceNetwork } from './workspace-network.ts';

/** Inputs shared by the steps of one ensure. */
export interface EnsureContext {
  docker: Dockerode;
  onProgress?: (event: ProgressEvent) => void;
  signal?: AbortSignal;
  digestCache: FileDigestCache;
  /** Makes the engine's isolated network when a listing found none (one create at a time). */
  isolatedNetwork: IsolatedNetworkMaker;
  /** Told the (own) network of each workspace ensured (the event stream maps network events with it). */
  onNetwork?: (network: WorkspaceNetwork, target: RuntimeTarget) => void;
}

/** A container after its create/keep step, before its lifecycle step. */
export interface ContainerOutcome {
  id: string;
  /** Docker state (`created`, `running`, `paused`, `exited`, …) as it is now. */
  dockerState: string;
  /** Changes made so far, e.g. `service db created`. */
  changes: string[];
}
