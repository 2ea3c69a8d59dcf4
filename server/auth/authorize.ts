/**
 * Authorisation of one call: the token's operation scopes (`admin` grants every scope) and its
 * workspaces (`'*'` for all), and which objects a token may see in a list or watch.
 */
import type { KubeObject } from '../../apis/meta.ts';
import { ApiError, type Principal, type Scope } from '../rpc/method.ts';
import { WORKSPACE_LABEL } from '../../apis/names/index.ts';

/** True when the principal holds `scope` (or `admin`). */
export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.includes(scope) || principal.scopes.includes('admin');
}

/** True when the principal may act on workspace `name`. */
export function coversWorkspace(principal: Principal, name: string): boolean {
  return principal.workspaces === '*' || principal.workspaces.includes(name);
}

/** Throws Forbidden unless the principal holds `scope`. */
export function requireScope(principal: Principal, scope: Scope, method: string): void {
  if (!hasScope(principal, scope)) throw new ApiError('Forbidden', `token "${principal.name}" lacks scope ${scope} (needed by ${method})`, { reason: 'scope', scope });
}

/** Throws Forbidden unless the principal may act on workspace `name`. */
export function requireWorkspace(principal: Principal, name: string): void {
  if (!coversWorkspace(principal, name)) throw new ApiError('Forbidden', `token "${principal.name}" does not cover workspace "${name}"`, { reason: 'workspace', workspace: name });
}

/**
 * The workspace an object belongs to: a Workspace's own name; a PortBinding's or SyncSession's
 * `spec.workspace`, else its `nexus.dev/workspace` label; undefined for a standalone object.
 */
export function workspaceOfObject(obj: KubeObject): string | undefined {
  if (obj.kind === 'Workspace') return obj.metadata?.name;
  const spec = (obj as { spec?: { workspace?: unknown } }).spec;
  if (typeof spec?.workspace === 'string') return spec.workspace;
  return obj.metadata?.labels?.[WORKSPACE_LABEL];
}

/** True when the principal may see `obj`: all with `'*'`, else objects of its workspaces only. */
export function mayAccessObject(principal: Principal, obj: KubeObject): boolean {
  if (principal.workspaces === '*') return true;
  const workspace = workspaceOfObject(obj);
  return workspace !== undefined && coversWorkspace(principal, workspace);
}
