/**
 * Reaching a workspace's runtime from the CLI process (for `exec` and `logs`): read the Workspace,
 * pick its backend's provider, and name its runtime objects. The mock backend lives only in the
 * memory of the process that reconciles it, so the CLI cannot reach it and says so.
 */
import type { ResourceClient } from '../../apis/client/types.ts';
import { isErrorCode } from '../../apis/errors.ts';
import { kindByName, type KindInfo } from '../../apis/kinds.ts';
import type { Workspace } from '../../apis/types/index.ts';
import type { Backend, Provider, RuntimeTarget } from '../../controllers/providers/types.ts';
import { CliError } from '../cli-error.ts';
import { ExitCode } from '../exit-codes.ts';
import { notFoundError } from '../resources.ts';

/** A workspace's provider and runtime identity. */
export interface WorkspaceRuntime {
  workspace: Workspace;
  provider: Provider;
  target: RuntimeTarget;
}

/** The backend a workspace runs on (the schema's default is docker). */
export function backendOf(ws: Workspace): Backend {
  return ws.spec.backend ?? 'docker';
}

/** Fails unless the CLI process can reach `backend`'s workspaces for `verb` (exec, logs). */
export function assertReachableBackend(backend: Backend, verb: string): void {
  if (backend === 'mock') {
    throw new CliError(`${verb} is not supported for backend mock (mock workspaces exist only in the memory of the daemon reconciling them)`, ExitCode.Error);
  }
}

/** Reads workspace `name` and opens its backend's provider; NotFound becomes kubectl's message (exit 4). */
export async function openWorkspaceRuntime(client: ResourceClient, namespace: string, name: string, verb: string): Promise<WorkspaceRuntime> {
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
    import('../../controllers/workspace/desired.ts'),
  ]);
  return { workspace, provider: await createProvider(backend), target: runtimeTarget(workspace) };
}
