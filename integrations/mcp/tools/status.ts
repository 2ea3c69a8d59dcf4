/**
 * Read-only status tools: a workspace's host ports, its file sync (phase and unresolved
 * conflicts), and `describe` of any boulder object (spec, status and conditions).
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { McpContext } from '../context.ts';
import { guarded, ok } from '../result.ts';
import { workspaceName } from './workspaces.ts';
import { WORKSPACE_LABEL } from '../../../apis/names/index.ts';

/** Label every object a workspace owns carries (apis/render/labels.ts WORKSPACE_LABEL). */

/** The sync sessions of a workspace with their phase, conditions and conflicts. */
export async function syncStatus(ctx: McpContext, workspace: string): Promise<unknown[]> {
  const { items } = await ctx.client.resources.list('SyncSession', { namespace: ctx.namespace, labelSelector: `${WORKSPACE_LABEL}=${workspace}` });
  return items.map((s) => {
    const status = (s.status ?? {}) as Record<string, unknown>;
    return { name: s.metadata.name, phase: status.phase, conflicts: status.conflicts ?? [], conditions: status.conditions ?? [] };
  });
}

/** Registers ports, sync_status and describe. */
export function registerStatusTools(server: McpServer, ctx: McpContext): void {
  server.registerTool(
    'ports',
    {
      title: 'Workspace ports',
      description: "The workspace's forwarded ports (as boulder ports): each container port, its host address and port (open http://127.0.0.1:PORT), and whether it is serving.",
      inputSchema: { workspace: workspaceName },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    ({ workspace }) => guarded(async () => ok(await ctx.client.workspaces.ports(workspace, { namespace: ctx.namespace }))),
  );

  server.registerTool(
    'sync_status',
    {
      title: 'File sync status',
      description: "The workspace's file sync between the host worktree and the container: phase, conditions and unresolved conflicts (path and kind; delete the losing copy to resolve). Empty for bind-mounted workspaces.",
      inputSchema: { workspace: workspaceName },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    ({ workspace }) => guarded(async () => ok(await syncStatus(ctx, workspace))),
  );

  server.registerTool(
    'describe',
    {
      title: 'Describe an object',
      description: 'The full object (metadata, spec, status with conditions) of a Workspace, PortBinding or SyncSession, as boulder describe / get -o yaml shows it.',
      inputSchema: {
        kind: z.enum(['Workspace', 'PortBinding', 'SyncSession']).describe('Kind of the object'),
        name: z.string().min(1).max(253).describe('Object name'),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    ({ kind, name }) => guarded(async () => ok(await ctx.client.resources.get(kind, name, { namespace: ctx.namespace }))),
  );
}
