/**
 * The Workspace `boulder up` renders from the effective configuration: a pure mapping of the
 * project-level values (snake_case) onto Workspace `spec` (camelCase). Inputs that need I/O (the
 * env_files, secret values) are resolved beforehand and passed in (see inputs.ts).
 */
import { BoulderError, ValidationError } from '../errors.ts';
import { API_VERSION } from '../meta.ts';
import type { EffectiveConfig } from '../config/effective.ts';
import type { EffectivePort, EffectiveService, EffectiveValues } from '../config/types.ts';
import type { SecretReference, Workspace, WorkspacePort, WorkspaceService, WorkspaceSpec } from '../types/index.ts';
import { projectLabel } from './labels.ts';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, PROJECT_LABEL, RENDERED_FROM_ANNOTATION } from '../names/index.ts';

/** The project configuration file, relative to the repository root: the default `nexus.dev/rendered-from`. */
export const PROJECT_CONFIG_SOURCE = '.nexus/config.yaml';

/** Options of renderWorkspace and renderResources. */
export interface RenderOptions {
  /** Workspace name (the NAME argument); default: the configuration's workspace.name. */
  name?: string;
  /** Namespace written into metadata; unset leaves it out (apply then uses its own default). */
  namespace?: string;
  /** spec.env: the resolved env_files and env (resolveWorkspaceEnv); default: the configuration's env alone. */
  env?: Readonly<Record<string, string>>;
  /** spec.secrets, already rendered (renderWorkspaceSecrets); default: none. */
  secrets?: readonly SecretReference[];
  /** spec.repository.branch (a configured workspace's branch); default: the controller's nexus/NAME. */
  branch?: string;
  /** The file the objects are rendered from, relative to the repository; default `.nexus/config.yaml`. */
  renderedFrom?: string;
}

/** The workspace name: the NAME argument, else workspace.name (which defaults to the repository's name). */
export function renderedName(config: EffectiveConfig, options: Pick<RenderOptions, 'name'> = {}): string {
  const name = options.name ?? config.values.workspace?.name;
  if (name === undefined) throw new BoulderError('Invalid', 'no workspace name: pass NAME, or run in a repository (its directory names the workspace)');
  return name;
}

function sortedRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.keys(record).sort().map((key) => [key, record[key] as string]));
}

function renderPort(port: EffectivePort): WorkspacePort {
  const out: WorkspacePort = { containerPort: port.port };
  if (port.host_port !== undefined) out.hostPort = port.host_port;
  if (port.protocol !== undefined) out.protocol = port.protocol;
  if (port.visibility !== undefined) out.visibility = port.visibility;
  return out;
}

function renderService(service: EffectiveService): WorkspaceService {
  const out: WorkspaceService = { image: service.image };
  if (service.env !== undefined && Object.keys(service.env).length > 0) out.env = sortedRecord(service.env);
  if (service.ports !== undefined) {
    out.ports = service.ports.map((p) => ({
      containerPort: p.port,
      ...(p.host_port === undefined ? {} : { hostPort: p.host_port }),
      ...(p.protocol === undefined ? {} : { protocol: p.protocol }),
    }));
  }
  if (service.volumes !== undefined) out.volumes = [...service.volumes];
  if (service.command !== undefined) out.command = [...service.command];
  return out;
}

function mapValues<T, U>(record: Readonly<Record<string, T>> | undefined, map: (value: T) => U): Record<string, U> | undefined {
  if (record === undefined || Object.keys(record).length === 0) return undefined;
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(value)]));
}

/** spec.image or spec.build; a ValidationError when the configuration has neither. */
function imageOrBuild(values: EffectiveValues): Pick<WorkspaceSpec, 'image' | 'build'> {
  const { image, build } = values.workspace ?? {};
  if (image !== undefined) return { image };
  if (build !== undefined) return { build: structuredClone(build) };
  throw new ValidationError([{ path: 'workspace.image', message: 'no image: set workspace.image (or workspace.build) in .nexus/config.yaml, or pass --image IMAGE' }]);
}

/** Drops the keys whose value is undefined (the schema has no nulls). */
function defined<T extends object>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T;
}

/** `object` without undefined keys, or undefined when nothing is left. */
function nonEmpty<T extends object>(object: T): T | undefined {
  const out = defined(object);
  return Object.keys(out).length === 0 ? undefined : out;
}

/**
 * The Workspace of `config` (see the module comment). Throws when the configuration has no
 * repository (BoulderError Invalid) or no image (ValidationError at workspace.image).
 */
export function renderWorkspace(config: EffectiveConfig, options: RenderOptions = {}): Workspace {
  const repoRoot = config.context.repoRoot;
  if (repoRoot === undefined) throw new BoulderError('Invalid', 'not in a repository: boulder up renders the workspace of the git repository it runs in');
  const values = config.values;
  const name = renderedName(config, options);
  const env = options.env ?? values.env ?? {};
  const spec: WorkspaceSpec = defined({
    repository: { path: repoRoot, ...(options.branch === undefined ? {} : { branch: options.branch }) },
    backend: values.backend,
    ...imageOrBuild(values),
    resources: nonEmpty({ ...values.resources }),
    env: Object.keys(env).length === 0 ? undefined : sortedRecord(env),
    secrets: options.secrets === undefined || options.secrets.length === 0 ? undefined : options.secrets.map((ref) => ({ ...ref })),
    ports: mapValues(values.ports, renderPort),
    services: mapValues(values.services, renderService),
    sync: nonEmpty({ mode: values.sync?.mode, exclude: values.sync?.exclude?.slice(), conflict: values.sync?.conflict }),
    scripts: nonEmpty({ preStart: values.scripts?.pre_start, postStart: values.scripts?.post_start }),
    hooks: nonEmpty({ onWake: values.hooks?.on_wake, onSleep: values.hooks?.on_sleep }),
    state: values.workspace?.state,
    idleTimeout: values.workspace?.idle_timeout,
  });
  return {
    apiVersion: API_VERSION as Workspace['apiVersion'],
    kind: 'Workspace',
    metadata: {
      name,
      ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [PROJECT_LABEL]: projectLabel(repoRoot) },
      annotations: { [RENDERED_FROM_ANNOTATION]: options.renderedFrom ?? PROJECT_CONFIG_SOURCE },
    },
    spec,
  };
}
