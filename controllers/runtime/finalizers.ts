/**
 * Finalizer handling in the style of kube-rs `finalizer()`: a reconcile passes the object it read
 * and two handlers, and the helper picks one of four cases from deletionTimestamp × finalizer:
 *
 * | deleting | has finalizer | action                                                          |
 * |----------|---------------|-----------------------------------------------------------------|
 * | no       | no            | add the finalizer (update) and return; the update triggers the next pass |
 * | no       | yes           | `apply`                                                         |
 * | yes      | yes           | phase Terminating, `cleanup`, then remove the finalizer (only when cleanup succeeded) |
 * | yes      | no            | nothing: the object is going away and is not ours to clean      |
 *
 * Caller's contract: `cleanup` is idempotent and safe when `apply` never ran (the object may be
 * deleted right after the finalizer was added, or apply may have failed half-way), so it must
 * observe what exists instead of assuming what apply created.
 *
 * While an object is being deleted, this helper owns its `status.phase` (`Terminating`, written
 * before cleanup starts, so `get` on any kind and the CRDs' Phase printer column show it) and a
 * failing cleanup surfaces as a CleanupError, which the controller records as Ready=False /
 * CleanupFailed with the next retry time. A TerminalError from cleanup stays terminal.
 */
import { isErrorCode } from '../../apis/errors.ts';
import type { KindName } from '../../apis/kinds.ts';
import { DEFAULT_NAMESPACE, type Condition, type KubeObject } from '../../apis/meta.ts';
import type { ResourceClient } from '../../apis/client/types.ts';
import { getIfExists } from '../../apis/client/get-if-exists.ts';
import { TERMINATING } from '../../apis/terminal.ts';
import { CleanupError, isTerminalError } from './errors.ts';
import { writeStatusIfChanged } from './status-writer.ts';
import { STALLED } from '../../apis/names/index.ts';

/** How many times a finalizer edit is retried after a Conflict before giving up. */
const MAX_CONFLICT_RETRIES = 10;

/** True when the object lists `finalizer` in `metadata.finalizers`. */
export function hasFinalizer(obj: KubeObject, finalizer: string): boolean {
  return obj.metadata.finalizers?.includes(finalizer) ?? false;
}

/** True when deletion of the object was requested (`metadata.deletionTimestamp` is set). */
export function isBeingDeleted(obj: KubeObject): boolean {
  return obj.metadata.deletionTimestamp !== undefined && obj.metadata.deletionTimestamp !== '';
}

/** The two halves of a reconcile that owns cleanup. */
export interface FinalizerHandlers<T extends KubeObject, R> {
  /** Converges a live object. */
  apply(obj: T): Promise<R>;
  /** Removes everything the object caused outside the store; idempotent, safe when apply never ran. */
  cleanup(obj: T): Promise<R>;
}

/**
 * Runs the finalizer case that fits `obj` (see the module comment). Returns what `apply` or
 * `cleanup` returned, or undefined when the helper only edited the finalizer or had nothing to do.
 * When `cleanup` throws, the finalizer stays and the error propagates as a CleanupError (the
 * reconcile is retried), or as itself when it is a TerminalError.
 */
export async function reconcileWithFinalizer<T extends KubeObject, R>(
  obj: T,
  finalizer: string,
  client: ResourceClient,
  handlers: FinalizerHandlers<T, R>,
): Promise<R | undefined> {
  const deleting = isBeingDeleted(obj);
  const has = hasFinalizer(obj, finalizer);
  if (!deleting && !has) {
    await addFinalizer(client, obj, finalizer);
    return undefined;
  }
  if (!deleting) return handlers.apply(obj);
  if (!has) return undefined;
  const marked = await markTerminating(client, obj);
  let result: R;
  try {
    result = await handlers.cleanup(marked);
  } catch (err) {
    throw isTerminalError(err) ? err : new CleanupError(err);
  }
  await removeFinalizer(client, marked, finalizer);
  return result;
}

/**
 * Sets `status.phase` to Terminating unless it already is, dropping a Stalled condition (it judged
 * converging, not cleanup: a waiter on the deletion must not stop on it); returns the stored object
 * (`obj` when it vanished meanwhile: cleanup still runs, it is idempotent).
 */
export async function markTerminating<T extends KubeObject>(client: ResourceClient, obj: T): Promise<T> {
  const status = (obj.status ?? {}) as { phase?: string; conditions?: Condition[] };
  if (status.phase === TERMINATING) return obj;
  const next = { ...status, phase: TERMINATING, ...(status.conditions ? { conditions: status.conditions.filter((c) => c.type !== STALLED) } : {}) };
  try {
    return (await writeStatusIfChanged(client, obj, next as T['status'])).object;
  } catch (err) {
    if (isErrorCode(err, 'NotFound')) return obj;
    throw err;
  }
}

/**
 * Adds `finalizer` with a conflict-safe update (re-read and retry on Conflict). Does nothing when
 * the object already has it, is being deleted, or is gone. Returns the stored object, if any.
 */
export async function addFinalizer<T extends KubeObject>(
  client: ResourceClient,
  obj: T,
  finalizer: string,
): Promise<T | undefined> {
  return editWithRetry(client, obj, (current) => {
    if (hasFinalizer(current, finalizer) || isBeingDeleted(current)) return undefined;
    return [...(current.metadata.finalizers ?? []), finalizer];
  });
}

/**
 * Removes `finalizer` with a conflict-safe update (re-read and retry on Conflict). Does nothing
 * when the object lacks it or is gone. Returns the stored object, if it still exists.
 */
export async function removeFinalizer<T extends KubeObject>(
  client: ResourceClient,
  obj: T,
  finalizer: string,
): Promise<T | undefined> {
  return editWithRetry(client, obj, (current) => {
    if (!hasFinalizer(current, finalizer)) return undefined;
    return (current.metadata.finalizers ?? []).filter((f) => f !== finalizer);
  });
}

/**
 * Writes the finalizer list `edit` computes from the current object, first from `obj` as given,
 * then from a fresh read after each Conflict. `edit` returns undefined when no write is needed.
 */
async function editWithRetry<T extends KubeObject>(
  client: ResourceClient,
  obj: T,
  edit: (current: T) => string[] | undefined,
): Promise<T | undefined> {
  let current: T = obj;
  for (let attempt = 0; ; attempt++) {
    const finalizers = edit(current);
    if (finalizers === undefined) return current;
    try {
      return await client.update<T>({ ...current, metadata: { ...current.metadata, finalizers } });
    } catch (err) {
      if (isErrorCode(err, 'NotFound')) return undefined;
      if (!isErrorCode(err, 'Conflict') || attempt >= MAX_CONFLICT_RETRIES) throw err;
    }
    const fresh = await getIfExists<T>(client, current.kind as KindName, current.metadata.namespace ?? DEFAULT_NAMESPACE, current.metadata.name);
    if (fresh === undefined) return undefined;
    current = fresh;
  }
}
