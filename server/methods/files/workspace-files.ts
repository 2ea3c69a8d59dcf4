/**
 * Opening a workspace's files for one call: read the Workspace through the ResourceClient (the
 * same store the controllers use), find its file root (`file-root.ts`) and open it as a SafeRoot.
 */
import type { ResourceClient } from '../../../apis/client/types.ts';
import { isErrorCode } from '../../../apis/errors.ts';
import type { Workspace } from '../../../apis/types/index.ts';
import { ApiError } from '../../rpc/method.ts';
import { fileRootOf } from './file-root.ts';
import { SafeRoot } from './safe-fs.ts';

/** The params every file method names its workspace with. */
export interface WorkspaceParams {
  workspace: string;
  namespace?: string;
}

/** Reads the Workspace named by `params`; NotFound becomes the API's NotFound. */
export async function readWorkspace(client: ResourceClient, params: WorkspaceParams): Promise<Workspace> {
  const namespace = params.namespace ?? 'default';
  try {
    return await client.get<Workspace>('Workspace', namespace, params.workspace);
  } catch (err) {
    if (isErrorCode(err, 'NotFound')) throw new ApiError('NotFound', `workspace ${namespace}/${params.workspace} not found`);
    throw err;
  }
}

/** Opens the file root of the workspace named by `params` (close it after the call). */
export async function openWorkspaceFiles(client: ResourceClient, params: WorkspaceParams): Promise<SafeRoot> {
  const root = fileRootOf(await readWorkspace(client, params));
  if (root.kind === 'unavailable') throw new ApiError('Unavailable', root.reason);
  return SafeRoot.open(root.path);
}

/** Runs `act` on the workspace's opened root and closes it afterwards. */
export async function withWorkspaceFiles<T>(client: ResourceClient, params: WorkspaceParams, act: (root: SafeRoot) => Promise<T> | T): Promise<T> {
  const root = await openWorkspaceFiles(client, params);
  try {
    return await act(root);
  } finally {
    root.close();
  }
}
