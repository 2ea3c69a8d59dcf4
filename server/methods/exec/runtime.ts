/**
 * A workspace's provider and runtime identity for exec and logs calls: the Workspace read through
 * the ResourceClient, its backend's provider from the daemon's registry (the same providers the
 * controllers and `boulder exec` use), and its runtime target.
 */
import type { Workspace } from '../../../apis/types/index.ts';
import type { Provider, RuntimeTarget } from '../../../controllers/providers/types.ts';
import { TerminalError } from '../../../controllers/runtime/errors.ts';
import { runtimeTarget } from '../../../controllers/providers/target.ts';
import { ApiError, type ApiServices } from '../../rpc/method.ts';
import { readWorkspace, type WorkspaceParams } from '../files/workspace-files.ts';
import { backendOf } from '../../../apis/defaulted.ts';

/** What an exec or logs call runs against. */
export interface ApiWorkspaceRuntime {
  workspace: Workspace;
  provider: Provider;
  target: RuntimeTarget;
}

/** The provider and target of the workspace named by `params`. */
export async function workspaceRuntime(services: ApiServices, params: WorkspaceParams): Promise<ApiWorkspaceRuntime> {
  const workspace = await readWorkspace(services.client, params);
  let provider: Provider;
  try {
    // The schema's default backend is docker.
    provider = services.providers.get(backendOf(workspace));
  } catch (err) {
    if (err instanceof TerminalError) throw new ApiError('Unavailable', err.message);
    throw err;
  }
  return { workspace, provider, target: runtimeTarget(workspace) };
}
