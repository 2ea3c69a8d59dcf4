/**
 * Keeps one kind under watch for the manager: list, then watch from the list's resourceVersion;
 * when the watch fails (e.g. GoneError: history compacted) or ends, relist and rewatch after a
 * backoff (reset whenever the watch delivers an event). Every object seen is handed to `onObject`; objects that vanished while no watch was
 * running (found missing on relist) are handed over too, as their last known state.
 */
import type { ResourceClient } from '../../apis/client/types.ts';
import type { KindName } from '../../apis/kinds.ts';
import { objectKey, type KubeObject } from '../../apis/meta.ts';
import { createItemBackoff, type BackoffOptions } from './backoff.ts';
import type { Clock } from './clock.ts';
import { errorMessage } from './errors.ts';
import type { Logger } from './logger.ts';

/** How an object reached the informer. */
export type InformerSource = 'initial' | 'relist' | 'watch';

/** What an informer needs. */
export interface InformerOptions {
  client: ResourceClient;
  kind: KindName;
  clock: Clock;
  log: Logger;
  /** Stops the informer: the watch ends and `runInformer` resolves. */
  signal: AbortSignal;
  /**
   * Receives every object listed or watched (for DELETED events and vanished objects: the last
   * state, with `deleted` true).
   */
  onObject: (obj: KubeObject, source: InformerSource, deleted: boolean) => void;
  /** Called once, after the first list attempt (successful or not). */
  onFirstList?: (error?: unknown) => void;
  /** Delay before relisting after a failure (default: 200 ms doubling to 30 s, ±20 % jitter). */
  backoff?: BackoffOptions;
}

/** Runs list+watch for one kind until the signal aborts. Never rejects. */
export async function runInformer(options: InformerOptions): Promise<void> {
  const { client, kind, clock, log, signal, onObject } = options;
  const backoff = createItemBackoff({ baseMs: 200, capMs: 30_000, ...options.backoff });
  const known = new Map<string, KubeObject>();
  let firstList = true;
  let onFirstList = options.onFirstList;
  const reportFirstList = (error?: unknown): void => {
    onFirstList?.(error);
    onFirstList = undefined;
  };

  while (!signal.aborted) {
    try {
      const list = await client.list(kind);
      if (signal.aborted) break;
      const source: InformerSource = firstList ? 'initial' : 'relist';
      const seen = new Set<string>();
      for (const obj of list.items) {
        const key = objectKey(obj);
        seen.add(key);
        known.set(key, obj);
        onObject(obj, source, false);
      }
      for (const [key, obj] of known) {
        if (seen.has(key)) continue;
        known.delete(key);
        onObject(obj, source, true);
      }
      firstList = false;
      reportFirstList();
      for await (const event of client.watch(kind, { resourceVersion: list.resourceVersion, signal })) {
        const key = objectKey(event.object);
        if (event.type === 'DELETED') known.delete(key);
        else known.set(key, event.object);
        backoff.forget(kind);
        onObject(event.object, 'watch', event.type === 'DELETED');
      }
      if (signal.aborted) break;
      log.info({ kind }, 'watch ended; relisting');
    } catch (err) {
      reportFirstList(err);
      if (signal.aborted) break;
      log.warn({ kind, error: errorMessage(err) }, 'list/watch failed; relisting');
    }
    try {
      await clock.sleep(backoff.next(kind), signal);
    } catch {
      break; // aborted
    }
  }
}
