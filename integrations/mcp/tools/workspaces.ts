/**
 * Workspace tools: list, create (rendered from the repository's configuration as `boulder up`
 * does), start, stop, switch and delete — each one daemon API call under the server's token.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { KubeObject } from '../../../sdk/typescript/src/index.ts';
import type { McpContext } from '../context.ts';
import { guarded, ok } from '../result.ts';
import { READY } from '../../../apis/names/index.ts';
import { desiredStateOf } from '../../../apis/defaulted.ts';
import type { Workspace } from '../../../apis/types/index.ts';

/** A workspace name argument (DNS-1123 label). */
export const workspaceName = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'a workspace name is a DNS label: lower-case letters, digits and -')
  .describe('Workspace name (see list_workspaces)');

/** One line of list_workspaces. */
export function summarize(ws: KubeObject): Record<string, unknown> {
  const status = (ws.status ?? {}) as { phase?: string; conditions?: { type: string; status: string; reason?: string }[] };
  const ready = status.conditions?.find((c) => c.type === READY);
  return {
    name: ws.metadata.name,
    state: desiredStateOf(ws as unknown as Workspace),
    phase: status.phase,
    ready: ready?.status,
    ...(ready?.reason === undefined ? {} : { reason: ready.reason }),
    ...(ws.metadata.deletionTimestamp === undefined ? {} : { deleting: true }),
  };
}

/** Registers the workspace lifecycle tools. */
export function registerWorkspaceTools(server: McpServer, ctx: McpContext): void {
  const { client, namespace } = ctx;
  const ns = { namespace };

  server.registerTool(
    'list_workspaces',
    {
      title: 'List workspaces',
      description: 'Lists the boulder workspaces this token may see: name, desired state (Running/Stopped/Paused), phase and readiness.',
      inputSchema: {},
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    () => guarded(async () => ok((await client.workspaces.list(ns)).map(summarize))),
  );

  server.registerTool(
    'create_workspace',
    {
      title: 'Create a workspace',
      description:
        "Creates (or updates) the workspace of the repository boulder mcp runs in, rendered from its .nexus/config.yaml (or devcontainer.json) exactly as `boulder up [NAME]` renders it: a git worktree on branch nexus/NAME, its container, services, ports and sync. Returns once the daemon holds it; poll get_workspace for Ready.",
      inputSchema: { name: workspaceName.optional().describe('Workspace name (default: the one the configuration names, usually the repository and branch)') },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    ({ name }) =>
      guarded(async () => {
        if (ctx.render === undefined) throw new Error('create_workspace needs boulder mcp to run in a repository with a boulder configuration (boulder init)');
        const objects = await ctx.render(name);
        const applied: string[] = [];
        for (const object of objects) {
          const { object: stored, outcome } = await client.resources.apply(object, { fieldManager: 'boulder-mcp' });
          applied.push(`${stored.kind}/${stored.metadata.name} ${outcome}`);
        }
        return ok({ applied });
      }),
  );

  server.registerTool(
    'get_workspace',
    {
      title: 'Workspace status',
      description: 'The status of one workspace: desired state, phase and every condition (Ready, …) with its reason and message.',
      inputSchema: { name: workspaceName },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    ({ name }) =>
      guarded(async () => {
        const ws = await client.workspaces.get(name, ns);
        return ok({ ...summarize(ws), conditions: (ws.status as { conditions?: unknown } | undefined)?.conditions ?? [] });
      }),
  );

  const lifecycle = [
    ['start_workspace', 'Start a workspace', 'Sets the workspace running (spec.state=Running); returns once the daemon holds the new desired state.', () => false, (n: string) => client.workspaces.start(n, ns)],
    ['stop_workspace', 'Stop a workspace', "Stops the workspace's containers (spec.state=Stopped); files in the worktree are kept, running processes end.", () => true, (n: string) => client.workspaces.stop(n, ns)],
    ['switch_workspace', 'Switch to a workspace', 'Makes this workspace the running one of its repository: it is started and the other workspaces of the same repository are paused.', () => true, (n: string) => client.workspaces.switch(n, ns)],
  ] as const;
  for (const [tool, title, description, destructive, act] of lifecycle) {
    server.registerTool(
      tool,
      { title, description, inputSchema: { name: workspaceName }, annotations: { readOnlyHint: false, destructiveHint: destructive(), idempotentHint: true, openWorldHint: false } },
      ({ name }) => guarded(async () => ok(await act(name))),
    );
  }

  server.registerTool(
    'delete_workspace',
    {
      title: 'Delete a workspace',
      description: 'Deletes the workspace: its containers, services, ports and sync go; its worktree is removed or kept as the workspace says (spec.repository.onDelete). Cannot be undone.',
      inputSchema: { name: workspaceName },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    ({ name }) => guarded(async () => ok(await client.resources.delete('Workspace', name, ns))),
  );
}
