/**
 * Opening a workspace's files for one call: read the Workspace through the ResourceClient (the
 * same store the controllers use), find its file root (`file-root.ts`) and open it as a SafeRoot
 * (host) or a RuntimeFiles (inside the runtime, through its backend's provider).
 */
import type { ResourceClient } from '../../../apis/client/types.ts';
import { isErrorCode } from '../../../apis/errors.ts';
import type { Workspace } from '../../../apis/types/index.ts';
import { TerminalError } from '../../../controllers/runtime/errors.ts';
import { runtimeTarget } from '../../../controllers/providers/target.ts';
import { ApiError, type ApiServices } from '../../rpc/method.ts';
import { fileRootOf } from './file-root.ts';
import { RuntimeFiles } from './runtime-fs.ts';
import { SafeRoot } from './safe-fs.ts';
import { backendOf } from '../../../apis/defaulted.ts';

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

/** A workspace's files for one call: on the host (close the root after the call) or inside its runtime. */
export type WorkspaceFiles = { kind: 'host'; root: SafeRoot } | { kind: 'runtime'; files: RuntimeFiles };

/** Opens the file root of the workspace named by `params` (close a host root after the call). */
export async function openWorkspaceFiles(services: Pick<ApiServices, 'client' | 'providers'>, params: WorkspaceParams): Promise<WorkspaceFiles> {
  const workspace = await readWorkspace(services.client, params);
  const root = fileRootOf(workspace);
  if (root.kind === 'unavailable') throw new ApiError('Unavailable', root.reason);
  if (root.kind === 'host') return { kind: 'host', root: SafeRoot.open(root.path) };
  let provider;
  try {
    // The schema's default backend is docker.
    provider = services.providers.get(backendOf(workspace));
  } catch (err) {
    if (err instanceof TerminalError) throw new ApiError('Unavailable', `workspace ${workspace.metadata.name} has no worktree and its runtime is not reachable: ${err.message}`);
    throw err;
  }
  return { kind: 'runtime', files: new RuntimeFiles(provider, runtimeTarget(workspace), root.folder) };
}

/** Runs `host` on the workspace's opened host root (closed afterwards), or `runtime` on its runtime files. */
export async function withWorkspaceFiles<T>(
  services: Pick<ApiServices, 'client' | 'providers'>,
  params: WorkspaceParams,
  host: (root: SafeRoot) => Promise<T> | T,
  runtime: (files: RuntimeFiles) => Promise<T>,
): Promise<T> {
  const opened = await openWorkspaceFiles(services, params);
  if (opened.kind === 'runtime') return runtime(opened.files);
  try {
    return await host(opened.root);
  } finally {
    opened.root.close();
  }
}
