/**
 * A provider's optional sync capability, in the manner of devpod's optional driver interfaces: a
 * backend whose workspaces' files can be synced offers `Provider.sync`, which opens SyncSession
 * endpoints of the address schemes the backend owns (Docker: `docker://` and `volume://`;
 * Kubernetes: `pod://`; Sprites: `sprite://`) with the backend's own client and credentials, and
 * releases what it made for a session (Docker's helper container and sync volume). The SyncSession
 * controller asks the provider registry for the capability of an address's scheme
 * (`ProviderRegistry.syncFor`) and never builds a backend client itself; the engine and the
 * endpoint protocol implementations stay in controllers/sync/.
 */
import type { Endpoint } from '../sync/endpoint.ts';
import type { PodPath } from '../sync/kubernetes/address.ts';
import type { Logger } from '../runtime/logger.ts';

/** What opening one endpoint of a session may use besides its address. */
export interface SyncEndpointContext {
  /** The session's uid: names what the backend makes for it (Docker: the helper `nexus-sync-<uid>`). */
  session: string;
  /** The session's namespace: labels what the backend makes for it (Docker: the helper and its volume carry `nexus.dev/namespace`), so it is attributed. */
  namespace?: string;
  /** Images of the session's workspace, best first (Docker: its helper runs the first present locally). */
  workspaceImages?: readonly string[];
  /**
   * Run before every exec into a `pod://` endpoint; throws to refuse it (cluster trust: the Pod
   * must be the owning workspace's, controllers/trust/workspace-pod.ts).
   */
  podGuard?: (target: PodPath) => Promise<void>;
}

/** Options of `SyncCapability.release`. */
export interface SyncReleaseOptions {
  /** Also remove the storage the endpoint synced into (a workspace-owned session's sync volume) once nothing uses it. */
  removeVolume: boolean;
  /** Where what is left in place is reported. */
  logger: Logger;
}

/** See the module comment. */
export interface SyncCapability {
  /** The address schemes this backend serves, without `://` (e.g. `['docker', 'volume']`). */
  readonly schemes: readonly string[];
  /** Opens the endpoint at `address` (one of `schemes`); rejects with BadRequest for a malformed address. */
  open(address: string, context: SyncEndpointContext): Promise<Endpoint>;
  /** Removes what `open` made for `session` at `address` (idempotent); absent when it makes nothing. */
  release?(address: string, session: string, options: SyncReleaseOptions): Promise<void>;
}
