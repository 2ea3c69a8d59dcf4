/**
 * Reaching a workspace's runtime from the CLI process (for `exec` and `logs`): read the Workspace,
 * pick its backend's provider, and name its runtime objects. The mock backend lives only in the
 * memory of the process that reconciles it, so the CLI cannot reach it and says so.
 */
import type { ResourceClient } from '../../apis/client/types.ts';
import { isErrorCode } from '../../apis/errors.ts';
import { kindByName, type KindInfo, notFoundError } from '../../apis/kinds.ts';
import type { Workspace } from '../../apis/types/index.ts';
import type { Backend, Provider, RuntimeTarget } from '../../controllers/providers/types.ts';
import { CliError } from '../cli-error.ts';
import type { CliDeps, OptionValues } from '../command.ts';
import type { KubernetesBackendSettings } from '../daemon/controller-settings.ts';
import type { SpriteProviderOptions } from '../../controllers/providers/sprite/sprite-provider.ts';
import { ExitCode } from '../exit-codes.ts';
import { backendOf } from '../../apis/defaulted.ts';

/** A workspace's provider and runtime identity. */
export interface WorkspaceRuntime {
  workspace: Workspace;
  provider: Provider;
  target: RuntimeTarget;
}

/** Fails unless the CLI process can reach `backend`'s workspaces for `verb` (exec, logs). */
export function assertReachableBackend(backend: Backend, verb: string): void {
  if (backend === 'mock') {
    throw new CliError(`${verb} is not supported for backend mock (mock workspaces exist only in the memory of the daemon reconciling them)`, ExitCode.Error);
  }
}

/**
 * The cluster the CLI reaches `backend: kubernetes` workspaces in, as the controllers do: the
 * store's own cluster with `--kubeconfig`/`--context`, else the configured `backends.kubernetes`.
 * A thunk: the configuration is read only for a kubernetes workspace.
 */
export function cliCluster(deps: Pick<CliDeps, 'storeKind' | 'cwd' | 'env' | 'stderr'>, values: OptionValues): () => Promise<KubernetesBackendSettings> {
  return async () => {
    const { configuredControllerSettings, providerCluster } = await import('../daemon/controller-settings.ts');
    const settings = deps.storeKind === 'kubernetes' ? { kubernetes: {} } : await configuredControllerSettings(deps, () => undefined);
    const found = providerCluster(deps, values, settings.kubernetes);
    // Never guess a cluster: a configuration that does not load is the error.
    if (found === undefined) throw new CliError(`cannot tell which cluster runs kubernetes workspaces: ${settings.error ?? 'no configuration'}`, ExitCode.Error);
    const { ownerReferences: _owner, ...cluster } = found;
    return cluster;
  };
}

/**
 * The Sprites API the CLI reaches `backend: sprite` workspaces through: the configured
 * `backends.sprite` (a thunk: the configuration is read only for a sprite workspace).
 */
export function cliSprite(deps: Pick<CliDeps, 'cwd' | 'env'>): () => Promise<SpriteProviderOptions> {
  return async () => {
    const { configuredControllerSettings } = await import('../daemon/controller-settings.ts');
    const settings = await configuredControllerSettings(deps, () => undefined);
    if (settings.sprite === undefined) {
      throw new CliError(`cannot reach sprite workspaces: ${settings.error ?? 'backends.sprite.api_key is not configured (e.g. env:SPRITES_TOKEN or keychain:sprites/me)'}`, ExitCode.Error);
    }
    return settings.sprite;
  };
}

/**
 * Reads workspace `name` and opens its backend's provider; NotFound becomes kubectl's message
 * (exit 4). `cluster` names the cluster of a kubernetes workspace (default: $KUBECONFIG).
 */
export async function openWorkspaceRuntime(
  client: ResourceClient,
  namespace: string,
  name: string,
  verb: string,
  cluster: () => Promise<KubernetesBackendSettings> = () => Promise.resolve({}),
  sprite?: () => Promise<SpriteProviderOptions>,
): Promise<WorkspaceRuntime> {
  let workspace: Workspace;
  try {
    workspace = await client.get<Workspace>('Workspace', namespace, name);
  } catch (err) {
    if (isErrorCode(err, 'NotFound')) throw notFoundError(kindByName('Workspace') as KindInfo, name, err);
    throw err;
  }
  const backend = backendOf(workspace);
  assertReachableBackend(backend, verb);
  const [{ createProvider }, { runtimeTarget }] = await Promise.all([
    import('../../controllers/providers/factory.ts'),
    import('../../controllers/providers/target.ts'),
  ]);
  const options = backend === 'kubernetes' ? { kubernetes: await cluster() } : backend === 'sprite' && sprite !== undefined ? { sprite: await sprite() } : {};
  return { workspace, provider: await createProvider(backend, options), target: runtimeTarget(workspace) };
}
