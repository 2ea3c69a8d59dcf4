/**
 * Whose an object found by a workspace's deterministic name is (pure). Names are guessable and
 * anyone who may create a Pod, Service, Secret or PVC in the namespace may take one first, so a name
 * proves nothing: the provider treats an object as the workspace's own (observes it, updates,
 * replaces or deletes it, execs into it) only when it carries the workspace's identity —
 * - the labels the provider stamps: managed-by=boulder, nexus.dev/workspace, nexus.dev/namespace and
 *   nexus.dev/uid equal to this workspace's (so an earlier workspace of the same name is not it);
 * - and no controller ownerReference to anything else (a StatefulSet's Pod, another Workspace).
 * Any other object is foreign: left untouched, never reported as the workspace's, and when the
 * workspace needs its name, a terminal `ObjectNotOwned` condition says so (or, while that object is
 * being deleted, a transient wait).
 */
import type { V1ObjectMeta } from '@kubernetes/client-node';
import { TerminalError } from '../../runtime/errors.ts';
import { ProviderError } from '../errors.ts';
import type { RuntimeTarget } from '../types.ts';
import { CONTAINER_CREATE_FAILED, MANAGED_BY_LABEL, MANAGED_BY_VALUE, NAMESPACE_LABEL, OBJECT_NOT_OWNED, UID_LABEL, WORKSPACE_LABEL } from '../../../apis/names/index.ts';

/** Anything with Kubernetes object metadata. */
export interface WithMetadata {
  metadata?: V1ObjectMeta;
}

/** Why `object` is not `target`'s (see the module comment), or undefined when it is. */
export function notOwnedReason(object: WithMetadata, target: RuntimeTarget): string | undefined {
  const labels = object.metadata?.labels ?? {};
  if (labels[MANAGED_BY_LABEL] !== MANAGED_BY_VALUE || labels[WORKSPACE_LABEL] !== target.name || labels[NAMESPACE_LABEL] !== target.namespace) {
    return `it does not carry boulder's labels for workspace ${target.namespace}/${target.name}`;
  }
  if (labels[UID_LABEL] !== target.uid) return `it belongs to another workspace of that name (${UID_LABEL}=${labels[UID_LABEL] ?? '<none>'}, this one is ${target.uid})`;
  const controller = (object.metadata?.ownerReferences ?? []).find((r) => r.controller === true);
  if (controller !== undefined && !(controller.kind === 'Workspace' && controller.uid === target.uid)) {
    return `it is controlled by ${controller.kind} ${controller.name} (uid ${controller.uid})`;
  }
  return undefined;
}

/** True when `object` carries `target`'s identity. */
export function ownedBy(object: WithMetadata | undefined, target: RuntimeTarget): boolean {
  return object !== undefined && notOwnedReason(object, target) === undefined;
}

/**
 * The error for `kind/name`, held by the foreign `object`, which `target` needs: transient while
 * that object is being deleted (the name frees up), else terminal.
 */
export function notOwnedError(kind: string, object: WithMetadata, target: RuntimeTarget): Error {
  const name = object.metadata?.name ?? '?';
  const why = notOwnedReason(object, target) ?? 'unknown owner';
  if (object.metadata?.deletionTimestamp !== undefined) {
    return new ProviderError(CONTAINER_CREATE_FAILED, `${kind}/${name} of another owner is being deleted (${why}); waiting for its name`, { transient: true });
  }
  return new TerminalError(
    OBJECT_NOT_OWNED,
    `${kind}/${name} exists and is not owned by workspace ${target.name}: ${why}; boulder leaves it untouched (remove or rename it, or rename the workspace)`,
  );
}
