/**
 * Empties namespaces through the ResourceClient alone (finalizers removed, objects deleted), so a
 * harness can implement `reset()` the same way on any backend.
 */
import { isErrorCode } from '../../../apis/errors.ts';
import { KINDS, type KindName } from '../../../apis/kinds.ts';
import type { ResourceClient } from '../../../apis/client/types.ts';
import { eventually } from './harness.ts';

async function clearFinalizers(client: ResourceClient, kind: KindName, namespace: string, name: string): Promise<void> {
  for (;;) {
    try {
      const current = await client.get(kind, namespace, name);
      if ((current.metadata.finalizers ?? []).length === 0) return;
      await client.update({ ...current, metadata: { ...current.metadata, finalizers: [] } });
      return;
    } catch (err) {
      if (isErrorCode(err, 'NotFound')) return;
      if (!isErrorCode(err, 'Conflict')) throw err;
    }
  }
}

/** Deletes every object of every kind in `namespaces` and waits until they are gone. */
export async function purgeNamespaces(client: ResourceClient, namespaces: readonly string[]): Promise<void> {
  for (const { kind } of KINDS) {
    for (const namespace of namespaces) {
      const { items } = await client.list(kind, { namespace });
      for (const obj of items) {
        await clearFinalizers(client, kind, namespace, obj.metadata.name);
        try {
          await client.delete(kind, namespace, obj.metadata.name);
        } catch (err) {
          if (!isErrorCode(err, 'NotFound')) throw err;
        }
      }
    }
  }
  await eventually(async () => {
    for (const { kind } of KINDS) {
      for (const namespace of namespaces) {
        const { items } = await client.list(kind, { namespace });
        if (items.length > 0) throw new Error(`${items.length} ${kind} objects left in ${namespace}`);
      }
    }
  });
}
