/**
 * `workspaces.*`: lifecycle (start, stop, pause, switch) and ports, with the same operations as
 * `boulder workspace start|stop|pause`, `boulder switch` and `boulder ports`
 * (controllers/workspace/operations/, controllers/portbinding/ports.ts). They return once the store
 * holds the new desired state; a client watches the Workspace for Ready. A switch pauses other
 * workspaces of the repository: the token must cover each of them too, else nothing is written
 * (Forbidden).
 */
import { DEFAULT_NAMESPACE } from '../../../apis/meta.ts';
import { requireWorkspace } from '../../auth/authorize.ts';
import { ApiError, type MethodDefinition, type MethodModule } from '../../rpc/method.ts';
import { setWorkspaceState, prepareSwitch, writeSwitch } from '../../../controllers/workspace/operations/operations.ts';
import type { WorkspaceState } from '../../../controllers/workspace/operations/state.ts';

interface WorkspaceParams {
  name: string;
  namespace?: string;
}

function lifecycle(method: string, state: WorkspaceState): MethodDefinition<WorkspaceParams, { name: string; state: WorkspaceState; changed: boolean }> {
  return {
    name: method,
    scope: 'resources:write',
    workspaceParam: 'name',
    async handler(params, ctx) {
      const { changed } = await setWorkspaceState(ctx.services.client, params.namespace ?? DEFAULT_NAMESPACE, params.name, state);
      return { name: params.name, state, changed };
    },
  };
}

const switchTo: MethodDefinition<WorkspaceParams, { name: string; paused: string[] }> = {
  name: 'workspaces.switch',
  scope: 'resources:write',
  workspaceParam: 'name',
  async handler(params, ctx) {
    const prepared = await prepareSwitch(ctx.services.client, params.namespace ?? DEFAULT_NAMESPACE, params.name);
    if (prepared.target.metadata.deletionTimestamp !== undefined) throw new ApiError('Conflict', `workspace "${params.name}" is being deleted; cannot switch to it`);
    for (const other of prepared.pause) requireWorkspace(ctx.principal, other);
    await writeSwitch(ctx.services.client, prepared, new Date().toISOString());
    return { name: params.name, paused: prepared.pause };
  },
};

const ports: MethodDefinition<WorkspaceParams, { ports: unknown[] }> = {
  name: 'workspaces.ports',
  scope: 'ports',
  workspaceParam: 'name',
  async handler(params, ctx) {
    const { readPortEntries } = await import('../../../controllers/portbinding/ports.ts');
    return { ports: await readPortEntries(ctx.services.client, { workspace: params.name, namespace: params.namespace ?? DEFAULT_NAMESPACE }) };
  },
};

/** The workspace lifecycle methods. */
export const workspaceMethods: MethodModule = () =>
  [lifecycle('workspaces.start', 'Running'), lifecycle('workspaces.stop', 'Stopped'), lifecycle('workspaces.pause', 'Paused'), switchTo, ports] as MethodDefinition[];
