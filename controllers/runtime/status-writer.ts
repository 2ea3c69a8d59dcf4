/**
 * The `ensure` step for status: write `status` through the status subresource only when it differs
 * from what is stored, so a converged object causes no write and no watch event.
 */
import { isDeepStrictEqual } from 'node:util';
import type { ResourceClient } from '../../apis/client/types.ts';
import type { KubeObject } from '../../apis/meta.ts';
import { settleStalled } from './stalled.ts';

/**
 * Writes `status` onto `obj` (optimistic concurrency on its resourceVersion) unless equal to the
 * stored one. Returns the stored object. A Conflict propagates: the reconcile is retried on fresh data.
 * A `Stalled` condition carried over from the stored status is dropped once Ready no longer reports
 * its failure (see stalled.ts).
 */
export async function writeStatusIfChanged<T extends KubeObject>(
  client: ResourceClient,
  obj: T,
  written: T['status'],
): Promise<{ object: T; outcome: 'unchanged' | 'updated' }> {
  const status = settleStalled(written);
  if (isDeepStrictEqual(asStored(obj.status), asStored(status))) return { object: obj, outcome: 'unchanged' };
  const object = await client.updateStatus<T>({ ...obj, status });
  return { object, outcome: 'updated' };
}

/** The value as a store keeps it (JSON: undefined members dropped). */
function asStored(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}
