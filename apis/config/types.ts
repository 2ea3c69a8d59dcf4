/**
 * The shapes of layered configuration: the layers (node, user, project overrides, project, flags,
 * environment), where each effective value came from, and the typed effective configuration that
 * `boulder up` renders Workspaces from.
 */
import type { PathSegment } from '../validation/field-path.ts';
import type {
  StoreKind,
  ConfigSync,
  DockerBackendConfig,
  KubernetesBackendConfig,
  NodeDaemon,
  NodeMultiUser,
  NodeNetwork,
  PortRange,
  ProjectBuild,
  ProjectHooks,
  ProjectScripts,
} from '../types/index.ts';

/**
 * The layers, lowest first: built-in defaults, the node file, the user file, the user's
 * project_overrides matching this repository, the project file, command-line flags, NEXUS_* variables.
 */
export const LAYER_NAMES = ['default', 'node', 'user', 'project_override', 'project', 'flag', 'env'] as const;

/** One of {@link LAYER_NAMES}. */
export type LayerName = (typeof LAYER_NAMES)[number];

/** A workspace backend. */
export type BackendName = 'docker' | 'sprite' | 'kubernetes' | 'mock';

/** Where one value was set. */
export interface ValueOrigin {
  layer: LayerName;
  /** A file as shown to the user (`~/.nexus/config.yaml`), a flag (`--backend`), a variable (`NEXUS_BACKEND`) or `built-in`. */
  source: string;
  /** 1-based position of the value in `source`, for files. */
  line?: number;
  column?: number;
  /** The key as written in `source` when it differs from the effective key (`defaults.idle_timeout`). */
  sourceKey?: string;
  /** The effective key this origin set (differs from the entry's key for a value it replaced, e.g. workspace.build). */
  key: string;
  /** The value as this layer set it. */
  value: unknown;
  /** Extra explanation, e.g. how a listed secret got its source. */
  note?: string;
}

/** One effective value (a scalar, a list, or an atomic object such as port_range) and its provenance. */
export interface EffectiveEntry {
  /** Effective key, e.g. `workspace.idle_timeout`. */
  key: string;
  path: readonly string[];
  value: unknown;
  /** Who set the value. */
  origin: ValueOrigin;
  /** What it overrode, lowest layer first (empty when nothing lower set it). */
  overridden: readonly ValueOrigin[];
}

/** Marks a secret a project asks for by name (list form); its source is looked up after merging. */
export const REQUESTED_SECRET = '<requested>';

/**
 * One layer handed to mergeLayers: values in the effective shape (see EffectiveValues) and how to
 * locate each of them in the layer's source.
 */
export interface ConfigLayer {
  layer: LayerName;
  /** The file as shown to the user, or a summary (`command line`, `environment`, `built-in`). */
  source: string;
  /** Values in the effective shape. A secret the project only names has the value {@link REQUESTED_SECRET}. */
  values: Record<string, unknown>;
  /** Where the value at an effective path was written; defaults to `{source}`. */
  locate?(path: readonly PathSegment[]): Partial<Pick<ValueOrigin, 'source' | 'line' | 'column' | 'sourceKey' | 'note'>>;
}

/** A published port of the workspace container (effective `ports.NAME`). */
export interface EffectivePort {
  /** Container port (always set once the configuration is valid). */
  port: number;
  host_port?: number;
  visibility?: 'private' | 'public' | 'org';
  protocol?: 'tcp' | 'udp';
}

/** A service container (effective `services.NAME`); env values are text. */
export interface EffectiveService {
  /** Image (always set once the configuration is valid). */
  image: string;
  env?: Record<string, string>;
  ports?: { port: number; host_port?: number; protocol?: 'tcp' | 'udp' }[];
  volumes?: string[];
  command?: string[];
}

/** Compute resources; cpu is normalized to text. */
export interface EffectiveResources {
  class?: 'small' | 'medium' | 'large' | 'xlarge';
  cpu?: string;
  memory?: string;
  storage?: string;
}

/** Node limits; max_cpu is normalized to text. */
export interface EffectiveLimits {
  max_workspaces_per_user?: number;
  max_workspaces_total?: number;
  max_cpu?: string;
  max_memory?: string;
}

/**
 * The merged configuration, one tree. Secret sources are canonical text (`env:NAME`,
 * `file:/absolute/path`, `keychain:service/account`); paths in node and user files are absolute.
 */
export interface EffectiveValues {
  /** Where the workspace runs. */
  backend?: BackendName;
  workspace?: {
    name?: string;
    image?: string;
    build?: ProjectBuild;
    state?: 'Running' | 'Stopped' | 'Paused';
    idle_timeout?: string;
  };
  ports?: Record<string, EffectivePort>;
  services?: Record<string, EffectiveService>;
  env?: Record<string, string>;
  /** Dotenv files, relative to the repository root (or absolute). */
  env_files?: string[];
  scripts?: ProjectScripts;
  hooks?: ProjectHooks;
  resources?: EffectiveResources;
  /** The workspace's secrets: name → canonical source. */
  secrets?: Record<string, string>;
  sync?: ConfigSync;
  /** Host ports of new workspaces are allocated from this range. */
  port_range?: PortRange;
  daemon?: NodeDaemon;
  limits?: EffectiveLimits;
  multi_user?: NodeMultiUser;
  /** Where ports may listen beyond loopback, unauthenticated (node only). */
  network?: NodeNetwork;
  backends?: {
    docker?: DockerBackendConfig;
    kubernetes?: KubernetesBackendConfig;
    sprite?: { org?: string; api_key?: string; api_endpoint?: string };
  };
  /** Where the CLI keeps Workspace objects (unset: embedded); see store-settings.ts. */
  store?: StoreKind;
  preferences?: { editor?: string; output?: 'table' | 'wide' | 'yaml' | 'json' | 'name'; telemetry?: { enabled?: boolean; share_friction_data?: boolean } };
  /** The user's configured workspaces; repository paths are absolute. */
  workspaces?: Record<string, { repository: string; backend?: BackendName; branch?: string }>;
  /** Secret sources defined in the user's file, available to projects by name. */
  user_secrets?: Record<string, string>;
}

/** The project-level part of the effective configuration: what `boulder up` renders a Workspace from. */
export type EffectiveProject = Pick<
  EffectiveValues,
  'backend' | 'workspace' | 'ports' | 'services' | 'env' | 'env_files' | 'scripts' | 'hooks' | 'resources' | 'secrets' | 'sync' | 'port_range'
>;
