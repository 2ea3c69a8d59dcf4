/**
 * MCP resources: `boulder://workspace/{name}/status`, one per workspace the token can list — the
 * workspace's state, conditions, ports and sync, as JSON an agent can attach as context.
 */
import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { McpContext } from './context.ts';
import { summarize } from './tools/workspaces.ts';
import { syncStatus } from './tools/status.ts';

/** The URI of a workspace's status resource. */
export function statusUri(name: string): string {
  return `boulder://workspace/${encodeURIComponent(name)}/status`;
}

/** A workspace's status document (ports and sync only when the token may read them). */
async function statusDocument(ctx: McpContext, name: string): Promise<Record<string, unknown>> {
  const ws = await ctx.client.workspaces.get(name, { namespace: ctx.namespace });
  const optional = async (read: () => Promise<unknown>): Promise<unknown> => read().catch((err: unknown) => ({ unavailable: err instanceof Error ? err.message : String(err) }));
  return {
    ...summarize(ws),
    conditions: (ws.status as { conditions?: unknown } | undefined)?.conditions ?? [],
    ports: await optional(() => ctx.client.workspaces.ports(name, { namespace: ctx.namespace })),
    sync: await optional(() => syncStatus(ctx, name)),
  };
}

/** Registers the workspace status resource template. */
export function registerStatusResource(server: McpServer, ctx: McpContext): void {
  server.registerResource(
    'workspace-status',
    new ResourceTemplate('boulder://workspace/{name}/status', {
      list: async () => ({
        resources: (await ctx.client.workspaces.list({ namespace: ctx.namespace })).map((ws) => ({ uri: statusUri(ws.metadata.name), name: `${ws.metadata.name} status`, mimeType: 'application/json' })),
      }),
    }),
    { title: 'Workspace status', description: "A workspace's desired state, phase, conditions, ports and file sync", mimeType: 'application/json' },
    async (uri, { name }) => ({
      contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(await statusDocument(ctx, decodeURIComponent(String(name))), null, 2) }],
    }),
  );
}
