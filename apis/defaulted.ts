/**
 * Objects after defaulting, as a type. Every writer runs `applyDefaults` (apis/validation/defaults.ts)
 * before storing, and the CRDs carry the same schema defaults, so a stored object has every
 * defaulted field set; `Defaulted<T>` says so in the type, and readers use it instead of repeating
 * a schema default as a `?? 'docker'` fallback. The default values live in schemas/ alone.
 */
import { API_VERSION, type KubeObject, type ObjectMeta } from './meta.ts';
import type {
  PortBinding,
  PortBindingSpec,
  ServicePort,
  SyncSession,
  SyncSessionSpec,
  Workspace,
  WorkspaceBuild,
  WorkspacePort,
  WorkspaceRepository,
  WorkspaceService,
  WorkspaceSpec,
  WorkspaceSync,
} from './types/index.ts';
import { applyDefaults } from './validation/defaults.ts';

/** `T` with the keys `K` present (not optional, not undefined). */
type WithRequired<T, K extends keyof T> = T & { [P in K]-?: NonNullable<T[P]> };

/** A port of `spec.ports` after defaulting: protocol and visibility are set. */
export type DefaultedWorkspacePort = WithRequired<WorkspacePort, 'protocol' | 'visibility'>;
/** A service's published port after defaulting: its protocol is set. */
export type DefaultedServicePort = WithRequired<ServicePort, 'protocol'>;
/** `spec.build` after defaulting: context and Dockerfile are set. */
export type DefaultedWorkspaceBuild = WithRequired<WorkspaceBuild, 'context' | 'dockerfile'>;
/** `spec.repository` after defaulting: branch (`nexus/<name>`), base ref and delete policy are set. */
export type DefaultedWorkspaceRepository = WithRequired<WorkspaceRepository, 'branch' | 'baseRef' | 'onDelete'>;
/** `spec.sync` after defaulting (always present): mode and conflict strategy are set. */
export type DefaultedWorkspaceSync = WithRequired<WorkspaceSync, 'mode' | 'conflict'>;

/** A Workspace spec after defaulting, nested defaults included. */
export type DefaultedWorkspaceSpec = Omit<WithRequired<WorkspaceSpec, 'backend' | 'state'>, 'ports' | 'services' | 'build' | 'repository' | 'sync'> & {
  ports?: Record<string, DefaultedWorkspacePort>;
  services?: Record<string, Omit<WorkspaceService, 'ports'> & { ports?: DefaultedServicePort[] }>;
  build?: DefaultedWorkspaceBuild;
  repository?: DefaultedWorkspaceRepository;
  sync: DefaultedWorkspaceSync;
};

/** A Workspace after defaulting: namespace, backend, desired state and the nested defaults above are set. */
export type DefaultedWorkspace = Omit<Workspace, 'metadata' | 'spec'> & { metadata: WithRequired<ObjectMeta, 'namespace'>; spec: DefaultedWorkspaceSpec };
/** A PortBinding after defaulting: namespace, protocol and visibility are set. */
export type DefaultedPortBinding = PortBinding & { metadata: WithRequired<ObjectMeta, 'namespace'>; spec: WithRequired<PortBindingSpec, 'protocol' | 'visibility'> };
/** A SyncSession after defaulting: namespace, mode, conflict strategy and pause are set. */
export type DefaultedSyncSession = SyncSession & { metadata: WithRequired<ObjectMeta, 'namespace'>; spec: WithRequired<SyncSessionSpec, 'mode' | 'conflict' | 'paused'> };

/** `T` after defaulting (`applyDefaults`): the schema-defaulted fields of its kind are required. */
export type Defaulted<T extends KubeObject> = T extends Workspace
  ? DefaultedWorkspace
  : T extends PortBinding
    ? DefaultedPortBinding
    : T extends SyncSession
      ? DefaultedSyncSession
      : T & { metadata: WithRequired<ObjectMeta, 'namespace'> };

/**
 * `obj` with its kind's defaults applied (a copy; `obj` is not mutated): the same function every
 * writer runs, so a stored object comes back equal, and an object built in memory (a test, a
 * placeholder) gets exactly the defaults it would get when stored.
 */
export function defaulted<T extends KubeObject>(obj: T): Defaulted<T> {
  return applyDefaults(obj) as Defaulted<T>;
}

/** The backend a Workspace runs on (`spec.backend`, defaulted by the schema). */
export function backendOf(ws: Workspace): DefaultedWorkspace['spec']['backend'] {
  return ws.spec.backend ?? defaulted(ws).spec.backend;
}

/** The state a Workspace is asked to be in (`spec.state`, defaulted by the schema). */
export function desiredStateOf(ws: Workspace): DefaultedWorkspace['spec']['state'] {
  return ws.spec.state ?? defaulted(ws).spec.state;
}

/** The backend a Workspace gets when its manifest (or the configuration) names none: the schema's default. */
export function defaultBackend(): DefaultedWorkspace['spec']['backend'] {
  return backendOf({ apiVersion: API_VERSION, kind: 'Workspace', metadata: { name: 'default' }, spec: {} } as Workspace);
}
