/**
 * Confinement of a multi-user node's callers: a principal confined to its user's namespace
 * (`user-<name>`, see NodeUsers.admit) acts only there, whatever it sends. A namespace the client
 * leaves out or names `default` becomes the user's own; any other namespace is Forbidden. The
 * dispatcher applies it to every call before the handler runs (and to the object of
 * resources.apply), so lists and watches return only the user's objects and reads, writes, exec,
 * logs and files reach only the user's workspaces. Pure.
 */
import { DEFAULT_NAMESPACE, type KubeObject } from '../../apis/meta.ts';
import { ApiError, type Principal } from '../rpc/method.ts';

/** The namespace a confined principal gets for the namespace it asked for; throws Forbidden for another user's. */
export function confinedNamespace(principal: Principal, asked: unknown): string | undefined {
  const own = principal.namespace;
  if (own === undefined) return typeof asked === 'string' ? asked : undefined;
  if (asked === undefined || asked === DEFAULT_NAMESPACE || asked === own) return own;
  throw new ApiError('Forbidden', `user ${principal.user ?? principal.subject} may act only in namespace ${own}, not ${JSON.stringify(asked)}`, { reason: 'namespace', namespace: own });
}

/** `params` of a call with the namespace (and an applied object's namespace) confined; unchanged for an unconfined principal. */
export function confineParams(method: string, params: unknown, principal: Principal): unknown {
  if (principal.namespace === undefined || typeof params !== 'object' || params === null || Array.isArray(params)) return params;
  const args = params as Record<string, unknown>;
  const out: Record<string, unknown> = { ...args, namespace: confinedNamespace(principal, args['namespace']) };
  if (method === 'resources.apply' && typeof args['object'] === 'object' && args['object'] !== null) {
    const obj = args['object'] as KubeObject;
    const metadata = typeof obj.metadata === 'object' && obj.metadata !== null ? obj.metadata : ({} as KubeObject['metadata']);
    out['object'] = { ...obj, metadata: { ...metadata, namespace: confinedNamespace(principal, metadata.namespace) } };
  }
  return out;
}
