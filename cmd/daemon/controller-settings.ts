/**
 * What the node and user configuration (and NEXUS_* variables) tell the controllers of a daemon or
 * of `boulder reconcile`, without a project — they serve every workspace of the store:
 * - the host port range (`port_range`) PortBindings allocate from;
 * - the addresses beyond loopback PortBindings may listen on, unauthenticated (the node file's
 *   `network.unauthenticated_bind_addresses`; no other layer can set it);
 * - the cluster of `backend: kubernetes` workspaces (`backends.kubernetes`: kubeconfig, context,
 *   namespace), which the CLI's `exec` and `logs` reach the same way;
 * - the Sprites API of `backend: sprite` workspaces (`backends.sprite`: token source, api_endpoint, org);
 *   the token is resolved from its source (env:, file:, keychain:) at each request, never stored.
 * A configuration that does not load is reported and never stops the daemon: the port plan's ranges
 * apply, every port listens on loopback, and no cluster is guessed — kubernetes workspaces then fail with the configuration's error
 * rather than land in whatever cluster $KUBECONFIG's current context is.
 */

import type { CliDeps, OptionValues } from '../command.ts';
import type { PortRange } from '../../controllers/portbinding/contracts.ts';
import type { ExposurePolicy } from '../../controllers/portbinding/exposure.ts';
import type { DaemonApiConfig } from '../../server/transport/settings.ts';
import type { SpriteProviderOptions } from '../../controllers/providers/sprite/sprite-provider.ts';

/** The cluster of `backend: kubernetes` workspaces; empty means $KUBECONFIG / ~/.kube/config. */
export interface KubernetesBackendSettings {
  kubeconfig?: string;
  context?: string;
  /** Namespace the workspaces' Pods are created in (default: the workspace's own). */
  namespace?: string;
}

/** The controllers' settings from the configuration. */
export interface ControllerSettings {
  /** The configured range, or undefined for the port plan's defaults. */
  portRange?: PortRange;
  /** The node's unauthenticated bind addresses with where they were set; undefined: loopback only. */
  exposure?: ExposurePolicy;
  /** The configured cluster; undefined when the configuration did not load (see `error`). */
  kubernetes?: KubernetesBackendSettings;
  /** The node's `daemon.host`, `daemon.port`, `daemon.tls` (the API's TCP listener). */
  api?: DaemonApiConfig;
  /** The Sprites API, when `backends.sprite.api_key` is configured. */
  sprite?: SpriteProviderOptions;
  /** `workspace.idle_timeout` (node and user files, NEXUS_IDLE_TIMEOUT): for workspaces whose spec sets none. */
  idleTimeout?: string;
  /** Why the configuration did not load. */
  error?: string;
}

/** Reads the settings; `warn` hears why the configuration was ignored, when it does not load. */
export async function configuredControllerSettings(deps: Pick<CliDeps, 'cwd' | 'env'>, warn: (message: string) => void): Promise<ControllerSettings> {
  try {
    const [{ loadEffectiveConfig }, { describeOrigin }] = await Promise.all([import('../../apis/config/index.ts'), import('../../apis/config/origin.ts')]);
    const config = await loadEffectiveConfig({ cwd: deps.cwd, env: deps.env, repoRoot: false });
    const range = config.values.port_range as PortRange | undefined;
    const idleTimeout = (config.values['workspace'] as { idle_timeout?: unknown } | undefined)?.idle_timeout;
    const backends = config.values['backends'] as { kubernetes?: KubernetesBackendSettings; sprite?: SpriteBackendSettings } | undefined;
    const sprite = spriteOptions(backends?.sprite, deps.env);
    const daemon = config.values['daemon'] as { host?: string; port?: number; tls?: { cert?: string; key?: string } } | undefined;
    const addresses = config.entry('network.unauthenticated_bind_addresses');
    const exposure: ExposurePolicy | undefined =
      Array.isArray(addresses?.value) && addresses.value.length > 0 ? { addresses: addresses.value.map(String), setBy: describeOrigin(addresses.origin) } : undefined;
    return {
      ...(range === undefined ? {} : { portRange: { start: range.start, end: range.end } }),
      ...(exposure === undefined ? {} : { exposure }),
      kubernetes: pickKubernetes(backends?.kubernetes),
      ...(daemon?.port === undefined && daemon?.host === undefined && daemon?.tls === undefined ? {} : { api: { ...(daemon.host === undefined ? {} : { host: daemon.host }), ...(daemon.port === undefined ? {} : { port: daemon.port }), ...(daemon.tls === undefined ? {} : { tls: daemon.tls }) } }),
      ...(sprite !== undefined ? { sprite } : {}),
      ...(typeof idleTimeout === 'string' ? { idleTimeout } : {}),
    };
  } catch (err) {
    const error = `the configuration does not load: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
    warn(`ignoring the configuration (port_range, backends): it ${error.slice('the configuration '.length)}`);
    return { error };
  }
}

/** `backends.sprite` as the configuration holds it (the token is a source, never the value). */
export interface SpriteBackendSettings {
  api_key?: string;
  api_endpoint?: string;
  org?: string;
}

/** The Sprite provider's options of `settings`; undefined without a token source. */
export function spriteOptions(settings: SpriteBackendSettings | undefined, env: NodeJS.ProcessEnv): SpriteProviderOptions | undefined {
  const source = settings?.api_key;
  if (source === undefined) return undefined;
  return {
    ...(settings?.api_endpoint !== undefined ? { apiUrl: settings.api_endpoint } : {}),
    ...(settings?.org !== undefined ? { org: settings.org } : {}),
    token: async () => {
      const { resolveSecretValue } = await import('../../apis/config/secrets.ts');
      return (await resolveSecretValue('backends.sprite.api_key', source, { env })).reveal();
    },
  };
}

function pickKubernetes(settings: KubernetesBackendSettings | undefined): KubernetesBackendSettings {
  const picked: KubernetesBackendSettings = {};
  if (settings?.kubeconfig !== undefined) picked.kubeconfig = settings.kubeconfig;
  if (settings?.context !== undefined) picked.context = settings.context;
  if (settings?.namespace !== undefined) picked.namespace = settings.namespace;
  return picked;
}

/** The Kubernetes provider's cluster for a process's controllers, and whether to set ownerReferences. */
export interface ProviderCluster extends KubernetesBackendSettings {
  ownerReferences: boolean;
}

/**
 * Where `backend: kubernetes` workspaces run: with the embedded store, the configured cluster
 * (`backends.kubernetes`), which is not where the Workspace objects live (no ownerReferences) —
 * undefined when the configuration did not load, so no cluster is guessed;
 * with a Kubernetes store (`--kubeconfig`/`--context`), that cluster itself, whose objects the
 * Workspaces own.
 */
export function providerCluster(deps: Pick<CliDeps, 'storeKind'>, values: OptionValues, configured: KubernetesBackendSettings | undefined): ProviderCluster | undefined {
  if (deps.storeKind !== 'kubernetes') return configured === undefined ? undefined : { ...configured, ownerReferences: false };
  const kubeconfig = values.kubeconfig;
  const context = values.context;
  return { ...(kubeconfig !== undefined ? { kubeconfig } : {}), ...(context !== undefined ? { context } : {}), ownerReferences: true };
}
