/**
 * The Docker provider: workspaces as containers on a local (or DOCKER_HOST) Docker engine.
 * A main container, one container per service on a bridge network of the workspace's own (the
 * engine's isolated network for a workspace without services),
 * named volumes for services; every object carries the workspace's labels and is found by them.
 * This class only wires the steps in the sibling modules to the Provider contract.
 */
// First: dockerode then finds its BuildKit session (gRPC) as a stand-in loaded on first use.
import type Dockerode from 'dockerode';
import { loadDockerode } from './lazy-buildkit-session.ts';
import { realClock, type Clock } from '../../runtime/clock.ts';
import type { Logger } from '../../runtime/logger.ts';
import { noopLogger } from '../../runtime/noop-logger.ts';
import type {
  DesiredRuntime,
  EndpointOptions,
  EnsureOptions,
  EnsureResult,
  ExecOptions,
  ExecResult,
  LogsOptions,
  ObservedRuntime,
  PrepareRequest,
  PrepareResult,
  Provider,
  ProviderEvent,
  RuntimeEndpoint,
  RuntimeTarget,
} from '../types.ts';
import type { FileDigestCache } from './build-context.ts';
import { containerEndpoint } from './endpoint.ts';
import { describeEngine, toProviderError } from './engine-errors.ts';
import { ensureWorkspace } from './ensure.ts';
import { dockerEvents, NetworkDirectory } from './events.ts';
import { IsolatedNetworkMaker } from './isolated-network.ts';
import type { WorkspaceNetwork } from './workspace-network.ts';
import { execInContainer } from './exec.ts';
import { containerLogs } from './logs.ts';
import { prepareWorkspace, type PreparedWorkspace } from './prepare.ts';
import { findContainer, observedFromSnapshot, type WorkspaceSnapshot } from './snapshot.ts';
import { SnapshotBatcher } from './snapshot-batch.ts';
import { deleteWorkspace, setWorkspaceState } from './state-ops.ts';
import type { SyncCapability } from '../sync-capability.ts';
import { dockerSyncCapability } from './sync-capability.ts';
import { ENGINE_UNAVAILABLE } from '../../../apis/names/index.ts';

/** Options of `createDockerProvider`. */
export interface DockerProviderOptions {
  /** The client to use; default: dockerode's default, which honours DOCKER_HOST (and DOCKER_TLS_VERIFY, DOCKER_CERT_PATH). */
  docker?: Dockerode;
  /** Clock for the event stream's reconnect backoff. */
  clock?: Clock;
  logger?: Logger;
  /** The image of volume sync helpers, used as is (sync-capability.ts); default `BOULDER_SYNC_HELPER_IMAGE`, else a local workspace image or busybox. */
  syncHelperImage?: string;
}

/** Provider backed by a Docker engine; see the module comment. */
export class DockerProvider implements Provider {
  readonly backend = 'docker' as const;
  /** The Docker client (exposed for diagnostics and tests). */
  readonly docker: Dockerode;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #digestCache: FileDigestCache = new Map();
  readonly #networks = new NetworkDirectory();
  /** Makes the engine's isolated network when a listing found none (isolated-network.ts). */
  readonly #isolatedNetwork = new IsolatedNetworkMaker();
  /** The latest `observe` snapshot per target, taken by the next `ensure` with `afterObserve` (once). */
  readonly #observed = new Map<string, { snapshot: WorkspaceSnapshot; at: number }>();
  /** A listing in flight per target, shared by an `observe` and a `prepare` started together. */
  readonly #listing = new Map<string, Promise<WorkspaceSnapshot>>();
  /** What the latest `prepare` per target set up, taken by the next `ensure` with `afterObserve` (once). */
  readonly #prepared = new Map<string, { prepared: PreparedWorkspace; at: number }>();
  /** Concurrent snapshots of many workspaces share list calls (snapshot-batch.ts). */
  readonly #snapshots: SnapshotBatcher;
  /** `docker://` and `volume://` sync endpoints on this engine (sync-capability.ts). */
  readonly sync: SyncCapability;

  constructor(options: DockerProviderOptions = {}) {
    this.docker = options.docker ?? new (loadDockerode())();
    this.sync = dockerSyncCapability({ docker: this.docker, ...(options.syncHelperImage !== undefined ? { helperImage: options.syncHelperImage } : {}) });
    this.#clock = options.clock ?? realClock;
    this.#logger = options.logger ?? noopLogger();
    this.#snapshots = new SnapshotBatcher(this.docker);
  }

  /** Where the engine is, e.g. `unix:///var/run/docker.sock`. */
  get engine(): string {
    return describeEngine(this.docker);
  }

  /** Checks that the engine answers; throws EngineUnavailable when it does not. */
  async ping(): Promise<void> {
    try {
      await this.docker.ping();
    } catch (err) {
      throw toProviderError(this.docker, err, ENGINE_UNAVAILABLE, `pinging the Docker engine at ${this.engine}`);
    }
  }

  async observe(target: RuntimeTarget): Promise<ObservedRuntime | undefined> {
    const snapshot = await this.#sharedListing(target);
    this.#observed.set(targetKey(target), { snapshot, at: performance.now() });
    return observedFromSnapshot(snapshot);
  }

  async prepare(request: PrepareRequest): Promise<PrepareResult> {
    const key = targetKey(request.target);
    this.#prepared.delete(key);
    const { prepared, phases } = await prepareWorkspace(this.docker, request, this.#sharedListing(request.target), this.#isolatedNetwork);
    this.#networks.recordEnsured(prepared.network.network, request.target);
    this.#prepared.set(key, { prepared, at: performance.now() });
    return { phases };
  }

  ensure(desired: DesiredRuntime, options?: EnsureOptions): Promise<EnsureResult> {
    const context = {
      docker: this.docker,
      digestCache: this.#digestCache,
      isolatedNetwork: this.#isolatedNetwork,
      onNetwork: (network: WorkspaceNetwork, target: RuntimeTarget) => this.#networks.recordEnsured(network, target),
    };
    const key = targetKey(desired.target);
    const stashed = this.#observed.get(key);
    this.#observed.delete(key);
    const known = options?.afterObserve === true && stashed !== undefined && performance.now() - stashed.at <= OBSERVE_REUSE_MS ? stashed.snapshot : undefined;
    const prepared = this.#prepared.get(key);
    this.#prepared.delete(key);
    const fresh = options?.afterObserve === true && prepared !== undefined && performance.now() - prepared.at <= PREPARE_REUSE_MS ? prepared.prepared : undefined;
    return ensureWorkspace(context, desired, options, known ?? this.#snapshots.snapshot(desired.target), fresh).then((result) => {
      this.#networks.setContainer(result.observed.id, desired.target);
      return result;
    });
  }

  async pause(target: RuntimeTarget): Promise<void> {
    await setWorkspaceState(this.docker, target, 'Paused');
  }

  async resume(target: RuntimeTarget): Promise<void> {
    await setWorkspaceState(this.docker, target, 'Running');
  }

  async stop(target: RuntimeTarget): Promise<void> {
    await setWorkspaceState(this.docker, target, 'Stopped');
  }

  delete(target: RuntimeTarget): Promise<'deleted' | 'unchanged'> {
    this.#networks.forgetContainer(target);
    this.#observed.delete(targetKey(target));
    this.#prepared.delete(targetKey(target));
    return deleteWorkspace(this.docker, target);
  }

  async exec(target: RuntimeTarget, command: string[], options: ExecOptions = {}): Promise<ExecResult> {
    return execInContainer(this.docker, await findContainer(this.docker, target, options.service), command, options);
  }

  async logs(target: RuntimeTarget, options: LogsOptions): Promise<void> {
    return containerLogs(this.docker, target, await findContainer(this.docker, target, options.service), options);
  }

  endpoint(target: RuntimeTarget, options: EndpointOptions = {}): Promise<RuntimeEndpoint | undefined> {
    return containerEndpoint(this.docker, target, options.service);
  }

  events(signal: AbortSignal): AsyncIterable<ProviderEvent> {
    return dockerEvents({ docker: this.docker, networks: this.#networks, clock: this.#clock, logger: this.#logger }, signal);
  }

  /** The target's listing in flight (an `observe` and a `prepare` of one reconcile share it), else a new one. */
  #sharedListing(target: RuntimeTarget): Promise<WorkspaceSnapshot> {
    const key = targetKey(target);
    const pending = this.#listing.get(key);
    if (pending !== undefined) return pending;
    const listing = this.#snapshots.snapshot(target);
    this.#listing.set(key, listing);
    const done = (): void => {
      if (this.#listing.get(key) === listing) this.#listing.delete(key);
    };
    listing.then(done, done);
    return listing;
  }
}

/** How old an `observe` snapshot `ensure` still starts from (the same reconcile's; older ones are listed again). */
const OBSERVE_REUSE_MS = 2_000;

/**
 * How old a `prepare` result `ensure` still starts from (the same reconcile's, whose worktree may
 * take long; its network is used only while ensure's listing agrees, prepare.ts).
 */
const PREPARE_REUSE_MS = 60_000;

function targetKey(target: RuntimeTarget): string {
  return `${target.namespace}/${target.name}/${target.uid}`;
}

/** A Docker provider on the default engine (DOCKER_HOST when set) or the given client. */
export function createDockerProvider(options: DockerProviderOptions = {}): DockerProvider {
  return new DockerProvider(options);
}
