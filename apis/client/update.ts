/**
 * Read-modify-write of one object with optimistic concurrency: the change is computed from the
 * version at hand (no extra read when the caller already holds one) and recomputed from a fresh
 * read whenever another writer got there first (Conflict). One definition for every writer of an
 * object through the ResourceClient: the CLI, the daemon API's lifecycle methods, and tests.
 */
import { isErrorCode } from '../errors.ts';
import type { KindName } from '../kinds.ts';
import type { KubeObject } from '../meta.ts';
import type { ResourceClient } from './types.ts';

/** How often a Conflict is retried before giving up. */
export const MAX_CONFLICT_RETRIES = 8;

/** Computes the changed object from a copy of the current one; undefined when nothing needs to change. */
export type Mutation<T extends KubeObject> = (current: T) => T | undefined;

/** Where the object is. */
export interface ObjectAddress {
  kind: KindName;
  namespace: string;
  name: string;
}

/** Result of updateWithRetry: the object as stored and whether this call changed it. */
export interface UpdateOutcome<T extends KubeObject> {
  object: T;
  changed: boolean;
}

/**
 * Applies `mutate` and updates the object, re-reading and retrying on Conflict. `current`, when
 * given, is used for the first attempt instead of a read. NotFound and other errors propagate.
 */
export async function updateWithRetry<T extends KubeObject>(
  client: ResourceClient,
  address: ObjectAddress,
  mutate: Mutation<T>,
  current?: T,
): Promise<UpdateOutcome<T>> {
  let base = current;
  for (let attempt = 0; ; attempt++) {
    base ??= await client.get<T>(address.kind, address.namespace, address.name);
    const next = mutate(structuredClone(base));
    if (next === undefined) return { object: base, changed: false };
    try {
      return { object: await client.update(next), changed: true };
    } catch (err) {
      if (!isErrorCode(err, 'Conflict') || attempt >= MAX_CONFLICT_RETRIES) throw err;
      base = undefined;
    }
  }
}
