/**
 * The Provider contract: where workspaces run (Docker, Kubernetes, Sprites, or the in-memory mock).
 * Narrow and observe-then-converge: the Workspace controller computes a DesiredRuntime (pure),
 * asks the provider what exists (`observe`, where NotFound is a normal answer: undefined), and
 * lets it converge (`ensure`). Every external object a provider creates carries `runtimeLabels()`
 * and is found by label or deterministic name, never only by an id kept in status.
 */

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

/** A service container of a workspace. */
export interface DesiredService {
  name: string;
  image: string;
  env: Record<string, string>;
  command: string[];
  containerPorts: number[];
  volumes: string[];
}

/** Everything a provider needs to converge one workspace; a pure function of the spec. */
export interface DesiredRuntime {
  target: RuntimeTarget;
  /** Labels every external object of this workspace carries. */
  labels: Record<string, string>;
  image: string;
  env: Record<string, string>;
  state: RuntimeState;
  /** CPU limit in cores (e.g. 2, 0.5) and memory limit in bytes; undefined means unlimited. */
  cpus?: number;
  memoryBytes?: number;
  containerPorts: number[];
  services: DesiredService[];
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
}

/** What `ensure` did. */
export type EnsureOutcome = 'unchanged' | 'created' | 'updated';

/** Result of `ensure`: what it did and what exists now. */
export interface EnsureResult {
  outcome: EnsureOutcome;
  /** Human-readable list of the changes made, e.g. `container recreated`. Empty when unchanged. */
  changes: string[];
  observed: ObservedRuntime;
}

/** Result of running a command in a workspace. */
export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
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
  /** Converges the runtime to `desired` (create, recreate, start, stop, pause, unpause). Idempotent. */
  ensure(desired: DesiredRuntime): Promise<EnsureResult>;
  /** Removes every object of the target. Idempotent: nothing to delete → 'unchanged'. */
  delete(target: RuntimeTarget): Promise<'deleted' | 'unchanged'>;
  /** Runs a command in the workspace's main container. */
  exec(target: RuntimeTarget, command: string[]): Promise<ExecResult>;
  /** Out-of-band change hints (drift), ending when `signal` aborts. Optional. */
  events?(signal: AbortSignal): AsyncIterable<ProviderEvent>;
}

/** Label keys every external object carries. */
export const LABEL_WORKSPACE = 'nexus.dev/workspace';
/** Label with the owning Workspace's uid. */
export const LABEL_UID = 'nexus.dev/uid';
/** Label with the owning Workspace's namespace. */
export const LABEL_NAMESPACE = 'nexus.dev/namespace';
/** Standard managed-by label. */
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';

/** The labels of every external object of a workspace. */
export function runtimeLabels(target: RuntimeTarget): Record<string, string> {
  return {
    [LABEL_WORKSPACE]: target.name,
    [LABEL_NAMESPACE]: target.namespace,
    [LABEL_UID]: target.uid,
    [LABEL_MANAGED_BY]: 'boulder',
  };
}
