/**
 * The Provider contract: where workspaces run (Docker, Kubernetes, Sprites, or the in-memory mock).
 * Narrow and observe-then-converge: the Workspace controller computes a DesiredRuntime (pure),
 * asks the provider what exists (`observe`, where NotFound is a normal answer: undefined), and
 * lets it converge (`ensure`). Every external object a provider creates carries `runtimeLabels()`
 * and is found by label or deterministic name, never only by an id kept in status.
 */
import type { Duplex } from 'node:stream';
import type { SyncCapability } from './sync-capability.ts';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, NAMESPACE_LABEL, UID_LABEL, WORKSPACE_LABEL } from '../../apis/names/index.ts';

/** Backends a Workspace can name in `spec.backend`. */
export type Backend = 'docker' | 'sprite' | 'kubernetes' | 'mock';

/** Lifecycle state a workspace's runtime should be in (mirrors `spec.state`). */
export type RuntimeState = 'Running' | 'Stopped' | 'Paused';

/** Identity of a workspace's runtime objects. */
export interface RuntimeTarget {
  namespace: string;
  name: string;
  uid: string;
}

/** A service container of a workspace, reachable from the workspace by its name. */
export interface DesiredService {
  name: string;
  image: string;
  env: Record<string, string>;
  command: string[];
  containerPorts: number[];
  /** Docker-style volume specs: `name:/path` (a named volume owned by the workspace) or `/host:/path`. */
  volumes: string[];
}

/** A host path (or, with `volume`, a Docker named volume) mounted into the workspace container. */
export interface Mount {
  source: string;
  target: string;
  readOnly?: boolean;
  /** Mount this named volume (created on demand) instead of the host path `source`. */
  volume?: string;
}

/** Where the workspace image comes from. */
export type ImageSource =
  | { kind: 'image'; ref: string }
  | {
      kind: 'build';
      /** Absolute build context directory. */
      context: string;
      /** Dockerfile path relative to the context. */
      dockerfile: string;
      args: Record<string, string>;
      target?: string;
    };

/** Everything a provider needs to converge one workspace; a pure function of spec and resolved inputs. */
export interface DesiredRuntime {
  target: RuntimeTarget;
  /** Labels every external object of this workspace carries. */
  labels: Record<string, string>;
  /** The image reference (for `build`, a display name; the provider tags builds by content hash). */
  image: string;
  imageSource: ImageSource;
  env: Record<string, string>;
  /** Resolved secret values injected as environment variables at create. Never logged or stored. */
  secretEnv: Record<string, string>;
  /**
   * Secrets injected by reference (kubernetes: `env[].valueFrom.secretKeyRef`, resolved by the
   * kubelet in the Pod's namespace; boulder never reads them). Absent means none.
   */
  secretRefs?: SecretKeyRef[];
  state: RuntimeState;
  /** CPU limit in cores (e.g. 2, 0.5) and memory limit in bytes; undefined means unlimited. */
  cpus?: number;
  memoryBytes?: number;
  containerPorts: number[];
  services: DesiredService[];
  /** Host paths mounted into the main container (worktree at /workspace, git common dir). */
  mounts: Mount[];
  /** Working directory in the main container. */
  workdir: string;
  /**
   * Multi-user node: the workspace's owner, whose uid:gid the main container runs as and whose
   * name the provider's objects carry. Absent (single-user): the image's own user.
   */
  runAs?: RuntimeUser;
}

/** The unix user a workspace runtime runs as (multi-user node). */
export interface RuntimeUser {
  user: string;
  uid: number;
  gid: number;
}

/** An environment variable whose value is a key of a Secret in the runtime's own namespace. */
export interface SecretKeyRef {
  /** The environment variable. */
  env: string;
  /** Name of the Secret (in the Pod's namespace: there is no way to name another). */
  secret: string;
  key: string;
}

/** What a provider found for a workspace. */
export interface ObservedRuntime {
  /** Provider's id of the main runtime object (container id, pod uid, sprite id). */
  id: string;
  state: RuntimeState;
  image: string;
  imageDigest?: string;
  /** Services found, by name, with whether each runs. */
  services: Record<string, { running: boolean }>;
  /** Backend facts for the ContainerReady message, e.g. `sprite status warm, last checkpoint v2`. */
  detail?: string;
  /** The Sprite of a sprite workspace (status.sprite). */
  sprite?: { name: string; status: string; lastCheckpoint?: string; url?: string };
}

/** What `ensure` did. */
export type EnsureOutcome = 'unchanged' | 'created' | 'updated';

/** Result of `ensure`: what it did and what exists now. */
export interface EnsureResult {
  outcome: EnsureOutcome;
  /** Human-readable list of the changes made, e.g. `container recreated`. Empty when unchanged. */
  changes: string[];
  observed: ObservedRuntime;
  /** True when the main container was created by this call (lifecycle scripts run once per creation). */
  containerCreated?: boolean;
  /** Wall time (ms) of the provider's own steps, e.g. snapshot, network, create, start (status.timings.phases). */
  phases?: Record<string, number>;
}

/** Progress of a long step (image pull or build), for status and the CLI. */
export interface ProgressEvent {
  step: 'pull' | 'build';
  message: string;
  /** Bytes (pull) or steps (build) done and total, when known. */
  current?: number;
  total?: number;
}

/** Options of `ensure`. */
export interface EnsureOptions {
  onProgress?: (event: ProgressEvent) => void;
  signal?: AbortSignal;
  /**
   * The caller's `observe` of this target just ran (same reconcile): a provider may start from
   * what that call listed instead of listing again (one engine round trip less per converge).
   */
  afterObserve?: boolean;
}

/** What a provider may set up before the rest of the desired runtime is resolved (`Provider.prepare`). */
export interface PrepareRequest {
  target: RuntimeTarget;
  /** The labels of the workspace's objects, as `DesiredRuntime.labels` will have them. */
  labels: Record<string, string>;
  /** The image the workspace runs, when its spec names one (a build's tag needs the worktree). */
  imageRef?: string;
  /** The names of the services the workspace declares (a Docker workspace with services gets a network of its own). */
  services: readonly string[];
}

/** What `prepare` did. */
export interface PrepareResult {
  /** Wall time (ms) of the provider's own prepare steps, e.g. network, image (status.timings.phases). */
  phases?: Record<string, number>;
}

/** Options of `exec`. */
export interface ExecOptions {
  /** Run in this service container instead of the main one. */
  service?: string;
  tty?: boolean;
  env?: Record<string, string>;
  workdir?: string;
  /** When given, stdin is forwarded and output streamed there instead of collected. */
  stdin?: NodeJS.ReadableStream;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  signal?: AbortSignal;
}

/** Result of running a command in a workspace; stdout/stderr are empty when streamed. */
export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Options of `logs`. */
export interface LogsOptions {
  service?: string;
  follow?: boolean;
  /** Last N lines only. */
  tail?: number;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  signal?: AbortSignal;
}

/** Options of `endpoint`. */
export interface EndpointOptions {
  /** The address of this service container instead of the main one. */
  service?: string;
}

/**
 * Opens one TCP connection to `port` of a workspace container through a channel of the provider
 * (e.g. the Kubernetes API server's `pods/portforward`); rejects with a typed error when the
 * channel refuses. The stream ends or errors when the far side closes.
 */
export type PortDialer = (port: number) => Promise<Duplex>;

/** Where a process on the host reaches a workspace container (its ports are the container's own). */
export interface RuntimeEndpoint {
  /**
   * IP address (or host name) of the container as seen from the host, e.g. `172.18.0.3`; with
   * `dial`, a display name of what is dialled instead, e.g. `pod/nexus-web`.
   */
  host: string;
  /**
   * When set, the container is not reachable at an address: forwarders open each TCP connection
   * with it instead of connecting to host:port. It carries TCP only (no UDP).
   */
  dial?: PortDialer;
  /**
   * Identity of what `dial` reaches (e.g. the Pod's uid). When it changes, connections opened to
   * the previous one are closed: that runtime is gone.
   */
  instance?: string;
}

/** A hint from the provider that a workspace's runtime changed outside boulder. */
export interface ProviderEvent {
  namespace: string;
  name: string;
  /** What happened, e.g. `container die`. */
  reason: string;
}

/** A place where workspaces run. */
export interface Provider {
  readonly backend: Backend;
  /** What exists for the target; undefined when nothing does. */
  observe(target: RuntimeTarget): Promise<ObservedRuntime | undefined>;
  /**
   * Converges the runtime to `desired`: network, volumes, image (present → use; missing → pull or
   * build), service containers, main container (recreated when its configuration changed),
   * and the lifecycle state. Idempotent; compares only what boulder owns.
   */
  ensure(desired: DesiredRuntime, options?: EnsureOptions): Promise<EnsureResult>;
  /**
   * Sets up, while the caller still resolves the rest of the desired runtime (worktree, secrets),
   * what `ensure` will need that depends only on the workspace's identity — for Docker its network
   * when missing, and the image check of a new workspace — starting from the caller's concurrent
   * `observe` listing (no extra round trip when there is nothing to set up). The next `ensure` of
   * the target with `afterObserve` starts from what it found. Optional; idempotent.
   */
  prepare?(request: PrepareRequest): Promise<PrepareResult>;
  /** Pauses (freezes) the workspace's containers. Idempotent. */
  pause(target: RuntimeTarget): Promise<void>;
  /** Resumes paused or stopped containers. Idempotent. */
  resume(target: RuntimeTarget): Promise<void>;
  /** Stops the workspace's containers, keeping them. Idempotent. */
  stop(target: RuntimeTarget): Promise<void>;
  /** Removes every object of the target. Idempotent: nothing to delete → 'unchanged'. */
  delete(target: RuntimeTarget): Promise<'deleted' | 'unchanged'>;
  /** Runs a command in the workspace's main container (or a service). */
  exec(target: RuntimeTarget, command: string[], options?: ExecOptions): Promise<ExecResult>;
  /** Streams container logs. */
  logs(target: RuntimeTarget, options: LogsOptions): Promise<void>;
  /**
   * The address at which a forwarder on the host reaches the main container (or `options.service`)
   * directly: for Docker the container's IP on the workspace network. Undefined when the container
   * does not exist or is not running (a paused container keeps its address and is reported).
   */
  endpoint(target: RuntimeTarget, options?: EndpointOptions): Promise<RuntimeEndpoint | undefined>;
  /** Out-of-band change hints (drift), ending when `signal` aborts. Optional. */
  events?(signal: AbortSignal): AsyncIterable<ProviderEvent>;
  /**
   * The SyncSession endpoint address of directory `path` in the main container, for backends whose
   * files are synced by exec into the running workspace (Kubernetes: `pod://ns/pod/container/path`).
   * Absent where files are synced another way (Docker: a volume through a helper container).
   */
  syncAddress?(target: RuntimeTarget, path: string): string;
  /**
   * Opens (and releases) SyncSession endpoints of the address schemes this backend owns, with its
   * own client (sync-capability.ts). Optional: a backend without it serves no sync endpoint.
   */
  readonly sync?: SyncCapability;
}

/** The labels of every external object of a workspace. */
export function runtimeLabels(target: RuntimeTarget): Record<string, string> {
  return {
    [WORKSPACE_LABEL]: target.name,
    [NAMESPACE_LABEL]: target.namespace,
    [UID_LABEL]: target.uid,
    [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
  };
}
