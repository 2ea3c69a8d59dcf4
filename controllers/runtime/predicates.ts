/**
 * Event predicates: which events of a controller's own kind are worth a reconcile.
 *
 * A reconcile ends by writing the object's status; the store then emits an update event of that
 * same object, and without a filter the write re-enqueues the object it came from — one more
 * reconcile per status write that converges nothing (controller-runtime avoids it with
 * `GenerationChangedPredicate`, OR'd with label/annotation/finalizer/deletion changes).
 * `changedBeyondStatus` is that filter: an update whose only difference is `.status` (plus what
 * the server maintains on every write: resourceVersion, managedFields) is not a reason to reconcile.
 *
 * It is applied to the primary kind's own watch events only (Controller.enqueueFor): owned and
 * watched kinds keep seeing every status change (a Workspace still wakes when its PortBinding's or
 * SyncSession's status moves), and creations, deletions, relists, resyncs, drift hints,
 * requeue-after and retries are not filtered. A status written by someone else than the
 * controller is therefore not seen until the next resync: a controller whose reconcile reads its
 * own object's status as an input written elsewhere opts out (`ControllerOptions.statusOnlyUpdates`).
 */
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../../apis/meta.ts';

/**
 * True when `next` differs from `previous` (the same object's state seen before) in more than its
 * status: spec (generation), labels, annotations, finalizers, ownerReferences, deletionTimestamp
 * or anything else but `status`, `metadata.resourceVersion` and `metadata.managedFields`.
 * True when there is no `previous` (nothing to compare: a creation, or a state not cached).
 */
export function changedBeyondStatus(previous: KubeObject | undefined, next: KubeObject): boolean {
  if (previous === undefined) return true;
  return !isDeepStrictEqual(withoutStatus(previous), withoutStatus(next));
}

/** `obj` as JSON without what a status write changes (undefined members dropped, as stored). */
function withoutStatus(obj: KubeObject): unknown {
  const { status: _status, metadata, ...rest } = obj;
  const { resourceVersion: _rv, managedFields: _mf, ...meta } = metadata as KubeObject['metadata'] & { managedFields?: unknown };
  return JSON.parse(JSON.stringify({ ...rest, metadata: meta }));
}
