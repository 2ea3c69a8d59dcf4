/**
 * `node.status` / `boulder node status`: the node's users (allowed now, admin, or owning
 * workspaces), each one's live workspaces, and the node's usage against its limits. Pure.
 */
import type { NodeModeSettings } from '../../apis/config/node-mode.ts';
import type { KubeObject } from '../../apis/meta.ts';
import { userOfNamespace } from '../../apis/multi-user/identity.ts';

/** One user's line. */
export interface NodeUserStatus {
  name: string;
  allowed: boolean;
  admin: boolean;
  workspaces: string[];
}

/** What `node.status` answers. */
export interface NodeStatus {
  multiUser: boolean;
  users: NodeUserStatus[];
  total: number;
  limits: { max_workspaces_per_user?: number; max_workspaces_total?: number };
}

/** The status of a node from its Workspaces, allowed users (name → admin) and limits. */
export function nodeStatusOf(workspaces: readonly KubeObject[], allowed: ReadonlyMap<string, { admin: boolean }>, limits: NodeModeSettings['limits'] | undefined, multiUser: boolean): NodeStatus {
  const live = workspaces.filter((w) => w.metadata.deletionTimestamp === undefined);
  const users = new Map<string, NodeUserStatus>();
  for (const [name, user] of allowed) users.set(name, { name, allowed: true, admin: user.admin, workspaces: [] });
  for (const w of live) {
    const owner = userOfNamespace(w.metadata.namespace);
    if (owner === undefined) continue;
    const entry = users.get(owner) ?? { name: owner, allowed: false, admin: false, workspaces: [] };
    entry.workspaces.push(w.metadata.name);
    users.set(owner, entry);
  }
  const out: NodeStatus['limits'] = {};
  if (limits?.max_workspaces_per_user !== undefined) out.max_workspaces_per_user = limits.max_workspaces_per_user;
  if (limits?.max_workspaces_total !== undefined) out.max_workspaces_total = limits.max_workspaces_total;
  return { multiUser, users: [...users.values()].sort((a, b) => a.name.localeCompare(b.name)), total: live.length, limits: out };
}

/** The status as `boulder node status` prints it. */
export function nodeStatusLines(status: NodeStatus): string[] {
  const perUser = status.limits.max_workspaces_per_user;
  const total = status.limits.max_workspaces_total;
  const lines = [
    `multi-user: ${status.multiUser ? 'enabled' : 'disabled'}`,
    `workspaces: ${status.total}${total === undefined ? ' (max_workspaces_total: unlimited)' : ` of max_workspaces_total ${total}`}`,
    `max_workspaces_per_user: ${perUser ?? 'unlimited'}`,
    '',
  ];
  const rows = status.users.map((u) => [u.name, u.admin ? 'admin' : u.allowed ? 'user' : 'not allowed', perUser === undefined ? String(u.workspaces.length) : `${u.workspaces.length}/${perUser}`, u.workspaces.join(',') || '-']);
  const header = ['USER', 'ROLE', 'WORKSPACES', 'NAMES'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  for (const row of [header, ...rows]) lines.push(row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('   '));
  return lines;
}
