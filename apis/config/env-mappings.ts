/**
 * The NEXUS_* environment variables that set configuration keys, as a table (no dependencies, so
 * help text can show it without loading the validator).
 */
import { NODE_CONFIG_VARIABLE, USER_CONFIG_VARIABLE } from './paths.ts';

/** How a variable's text becomes a value. */
export type ValueKind = 'text' | 'port-range' | 'path' | 'self-secret';

/** One NEXUS_* variable and the effective key it sets. */
export interface EnvMapping {
  variable: string;
  key: string;
  kind: ValueKind;
  /** Example value for help. */
  example: string;
}

/** Every NEXUS_* variable that sets a configuration key, in the order help lists them. */
export const ENV_MAPPINGS: readonly EnvMapping[] = [
  { variable: 'NEXUS_BACKEND', key: 'backend', kind: 'text', example: 'docker' },
  { variable: 'NEXUS_WORKSPACE_NAME', key: 'workspace.name', kind: 'text', example: 'api' },
  { variable: 'NEXUS_IMAGE', key: 'workspace.image', kind: 'text', example: 'node:24-bookworm' },
  { variable: 'NEXUS_IDLE_TIMEOUT', key: 'workspace.idle_timeout', kind: 'text', example: '5h' },
  { variable: 'NEXUS_RESOURCE_CLASS', key: 'resources.class', kind: 'text', example: 'large' },
  { variable: 'NEXUS_CPU', key: 'resources.cpu', kind: 'text', example: '4' },
  { variable: 'NEXUS_MEMORY', key: 'resources.memory', kind: 'text', example: '8Gi' },
  { variable: 'NEXUS_SYNC_MODE', key: 'sync.mode', kind: 'text', example: 'two-way-safe' },
  { variable: 'NEXUS_PORT_RANGE', key: 'port_range', kind: 'port-range', example: '33000-33999' },
  { variable: 'NEXUS_STATE_DIR', key: 'daemon.state_dir', kind: 'path', example: '~/.nexus/state' },
  { variable: 'NEXUS_LOG_LEVEL', key: 'daemon.log_level', kind: 'text', example: 'debug' },
  { variable: 'NEXUS_STORE', key: 'store', kind: 'text', example: 'kubernetes' },
  { variable: 'NEXUS_DOCKER_HOST', key: 'backends.docker.host', kind: 'text', example: 'unix:///var/run/docker.sock' },
  { variable: 'NEXUS_KUBECONFIG', key: 'backends.kubernetes.kubeconfig', kind: 'path', example: '~/.kube/config' },
  { variable: 'NEXUS_KUBE_CONTEXT', key: 'backends.kubernetes.context', kind: 'text', example: 'kind-dev' },
  { variable: 'NEXUS_KUBE_NAMESPACE', key: 'backends.kubernetes.namespace', kind: 'text', example: 'workspaces' },
  { variable: 'NEXUS_SPRITE_ORG', key: 'backends.sprite.org', kind: 'text', example: 'acme' },
  { variable: 'NEXUS_SPRITE_TOKEN', key: 'backends.sprite.api_key', kind: 'self-secret', example: '(the token; the configuration records env:NEXUS_SPRITE_TOKEN)' },
  { variable: 'NEXUS_EDITOR', key: 'preferences.editor', kind: 'text', example: 'code' },
  { variable: 'NEXUS_OUTPUT', key: 'preferences.output', kind: 'text', example: 'wide' },
];

/** NEXUS_* variables that are not configuration values but are known (they name configuration files). */
export const OTHER_KNOWN_VARIABLES: readonly string[] = [NODE_CONFIG_VARIABLE, USER_CONFIG_VARIABLE];

/** The known variables as `NAME → key (e.g. value)` help lines. */
export function envMappingHelp(): string[] {
  const width = Math.max(...ENV_MAPPINGS.map((m) => m.variable.length));
  return ENV_MAPPINGS.map((m) => `  ${m.variable.padEnd(width)}  ${m.key}  (e.g. ${m.example})`);
}
