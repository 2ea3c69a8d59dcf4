/**
 * `node.*`: `node.status` — a multi-user node's users, workspaces per user and usage against the
 * limits (scope admin: root-minted admin tokens and members of the admin group).
 */
import { nodeStatusOf, type NodeStatus } from '../../node/status.ts';
import type { MethodDefinition, MethodModule } from '../../rpc/method.ts';

const status: MethodDefinition<Record<string, never>, NodeStatus> = {
  name: 'node.status',
  scope: 'admin',
  async handler(_params, ctx) {
    const { items } = await ctx.services.client.list('Workspace');
    const node = ctx.services.node;
    return nodeStatusOf(items, node?.users.current ?? new Map(), node?.settings.limits, node !== undefined);
  },
};

/** The node methods. */
export const nodeMethods: MethodModule = () => [status] as MethodDefinition[];
