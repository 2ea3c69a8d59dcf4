/**
 * How a failing cleanup shows on the object: `Ready=False`, reason `CleanupFailed`, the failing
 * step's message with the attempt count and the next retry time, rewritten on every retry, so
 * `get`, `describe` and `delete --wait` can say why a deletion does not finish.
 */
import { isErrorCode } from '../../apis/errors.ts';
import type { KindName } from '../../apis/kinds.ts';
import type { CommonStatus, KubeObject } from '../../apis/meta.ts';
import type { ResourceClient } from '../../apis/client/types.ts';
import { setCondition } from './conditions.ts';
import type { CleanupError } from './errors.ts';
import { writeStatusIfChanged } from './status-writer.ts';
import { CLEANUP_FAILED, READY } from '../../apis/names/index.ts';

/** Longest condition message the schema accepts (with room for the retry note). */
const MAX_MESSAGE_LENGTH = 32_000;

/** When the next attempt runs, as the condition's message states it. */
export interface RetryPlan {
  /** Failures in a row so far (1 for the first). */
  attempt: number;
  /** Milliseconds until the retry. */
  retryInMs: number;
  now: Date;
}

/** `<message> (attempt 3; retrying in 0.4s, at 2026-12-07T05:41:12.345Z)` (pure). */
export function cleanupFailureMessage(message: string, plan: RetryPlan): string {
  const at = new Date(plan.now.getTime() + plan.retryInMs).toISOString();
  return `${message.slice(0, MAX_MESSAGE_LENGTH)} (attempt ${plan.attempt}; retrying in ${(plan.retryInMs / 1000).toFixed(1)}s, at ${at})`;
}

/**
 * Writes the CleanupFailed condition onto the object (re-read first; a vanished object is left
 * alone). Returns the object written, if any, so the controller can ignore the echo of its own
 * write (the retry must wait for its backoff). A Conflict propagates: the caller logs it, the
 * retry is scheduled anyway.
 */
export async function recordCleanupFailure(
  client: ResourceClient,
  kind: KindName,
  request: { namespace: string; name: string },
  error: CleanupError,
  plan: RetryPlan,
): Promise<KubeObject | undefined> {
  let obj: KubeObject<unknown, CommonStatus>;
  try {
    obj = await client.get<KubeObject<unknown, CommonStatus>>(kind, request.namespace, request.name);
  } catch (err) {
    if (isErrorCode(err, 'NotFound')) return undefined;
    throw err;
  }
  const status: CommonStatus = obj.status ?? {};
  const generation = obj.metadata.generation;
  const conditions = setCondition(
    status.conditions,
    { type: READY, status: 'False', reason: CLEANUP_FAILED, message: cleanupFailureMessage(error.message, plan), ...(generation !== undefined ? { observedGeneration: generation } : {}) },
    plan.now,
  );
  try {
    const { object, outcome } = await writeStatusIfChanged(client, obj, { ...status, conditions });
    return outcome === 'updated' ? object : undefined;
  } catch (err) {
    if (isErrorCode(err, 'NotFound')) return undefined;
    throw err;
  }
}
