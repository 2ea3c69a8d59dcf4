/**
 * The boulder MCP server: an McpServer whose tools and resources are daemon API calls through the
 * TypeScript SDK, so the token's scopes and workspaces bound everything an agent can do (the daemon
 * enforces them; refusals come back as tool errors). `boulder mcp` connects it to stdio.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { McpContext } from './context.ts';
import { registerStatusResource } from './resources.ts';
import { registerExecTool } from './tools/exec.ts';
import { registerFileTools } from './tools/files.ts';
import { registerStatusTools } from './tools/status.ts';
import { registerWorkspaceTools } from './tools/workspaces.ts';

export type { McpContext } from './context.ts';

/** Builds the server with every tool and resource registered. */
export function createBoulderMcpServer(ctx: McpContext, version: string): McpServer {
  const server = new McpServer(
    { name: 'boulder', version },
    {
      instructions:
        'boulder runs developer workspaces (a git worktree, a container, services, ports, file sync). Use list_workspaces first; create_workspace renders the current repository; read_file/write_file/list_files/exec act inside one workspace; ports and sync_status report how to reach and whether files are in sync.',
    },
  );
  registerWorkspaceTools(server, ctx);
  registerFileTools(server, ctx);
  registerExecTool(server, ctx);
  registerStatusTools(server, ctx);
  registerStatusResource(server, ctx);
  return server;
}
