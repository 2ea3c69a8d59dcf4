/**
 * The node's limits, enforced by the daemon on every create (CLI, API, SDK alike): a new Workspace
 * is refused when the node holds max_workspaces_total live workspaces, or its owner — the user of
 * its namespace, `user-<name>` — holds max_workspaces_per_user; the error names the limit and the
 * current count. Creates are checked and written one at a time, so concurrent requests cannot
 * both slip under a limit. Also the node's default resources, for a Workspace that names none.
 */
import type { ResourceClient } from '../../apis/client/types.ts';
import { LimitExceededError } from '../../apis/config/limits.ts';
import type { NodeModeSettings } from '../../apis/config/node-mode.ts';
import { DEFAULT_NAMESPACE, type KubeObject } from '../../apis/meta.ts';
import { userOfNamespace } from '../../apis/multi-user/identity.ts';
import { OWNER_ANNOTATION } from '../../apis/names/index.ts';

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Throws LimitExceededError when creating `obj` (a new Workspace) would exceed a node limit. */
export async function checkNodeLimits(client: ResourceClient, obj: KubeObject, limits: NodeModeSettings['limits']): Promise<void> {
  if (obj.kind !== 'Workspace') return;
  const total = limits.max_workspaces_total;
  const perUser = limits.max_workspaces_per_user;
  if (total === undefined && perUser === undefined) return;
  const namespace = obj.metadata.namespace ?? DEFAULT_NAMESPACE;
  const { items } = await client.list('Workspace');
  if (items.some((w) => w.metadata.name === obj.metadata.name && (w.metadata.namespace ?? DEFAULT_NAMESPACE) === namespace)) return;
  const live = items.filter((w) => w.metadata.deletionTimestamp === undefined);
  const name = obj.metadata.name;
  if (total !== undefined && live.length >= total) {
    throw new LimitExceededError('max_workspaces_total', `refusing to create workspace "${name}": max_workspaces_total is ${total} and the node has ${plural(live.length, 'workspace')}`);
  }
  const user = userOfNamespace(namespace);
  if (perUser === undefined || user === undefined) return;
  const owned = live.filter((w) => userOfNamespace(w.metadata.namespace) === user);
  if (owned.length >= perUser) {
    throw new LimitExceededError(
      'max_workspaces_per_user',
      `refusing to create workspace "${name}": max_workspaces_per_user is ${perUser} and user ${user} has ${plural(owned.length, 'workspace')} (${owned.map((w) => w.metadata.name).join(', ')})`,
    );
  }
}

/**
 * `obj` as the daemon stores it on a node: the owner annotation is the user of its namespace
 * (else `fallback`, the caller), whatever the client sent; a Workspace without resources gets the
 * node's default resources. Pure.
 */
export function stampNodeObject(obj: KubeObject, fallback: string, defaults: NodeModeSettings['defaultResources']): KubeObject {
  const owner = userOfNamespace(obj.metadata.namespace) ?? fallback;
  const stamped: KubeObject = { ...obj, metadata: { ...obj.metadata, annotations: { ...obj.metadata.annotations, [OWNER_ANNOTATION]: owner } } };
  if (obj.kind !== 'Workspace' || defaults === undefined) return stamped;
  const spec = ((obj as { spec?: Record<string, unknown> }).spec ?? {}) as Record<string, unknown>;
  const resources = spec['resources'];
  if (typeof resources === 'object' && resources !== null && Object.keys(resources).length > 0) return stamped;
  return { ...stamped, spec: { ...spec, resources: { ...defaults } } } as KubeObject;
}

/** Runs `work` after every earlier one finished: the daemon's creates pass the limit check one by one. */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  /** Queues `work`; resolves to its result. */
  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work, work);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
