/**
 * Drift hints from the cluster: a watch on the Pods boulder manages (label selector), turned into
 * one ProviderEvent per change, naming the workspace from the Pod's labels. The watch is the one
 * the ResourceClient uses (apis/client/kubernetes/watch-loop.ts, over a KubeConnection of the
 * provider's kubeconfig): a list (whose ADDED events are harmless extra hints), then a watch that
 * resumes from the last resourceVersion when the server ends it, with bookmarks, and a few quick
 * retries of a broken connection. When it ends anyway (410 Gone, the retries used up) it starts
 * again with a relist after an exponential backoff (reset by any event).
 */
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { KubeConnection } from '../../../apis/client/kubernetes/kube-connection.ts';
import { startWatchLoop, type WatchSource } from '../../../apis/client/kubernetes/watch-loop.ts';
import type { Clock } from '../../runtime/clock.ts';
import { errorMessage } from '../../runtime/errors.ts';
import type { Logger } from '../../runtime/logger.ts';
import type { ProviderEvent } from '../types.ts';
import { MANAGED_SELECTOR } from './names.ts';
import { NAMESPACE_LABEL, WORKSPACE_LABEL } from '../../../apis/names/index.ts';

/** What the event stream needs. */
export interface PodEventsContext {
  kubeConfig: KubeConfig;
  clock: Clock;
  logger: Logger;
  /** Watch only this namespace; default: all namespaces. */
  namespace?: string;
  /** First and longest delay before re-establishing a watch. */
  backoffMs?: { initial: number; max: number };
}

/** The hint a Pod watch event gives; undefined for Pods without workspace labels. */
export function podEventHint(type: string, pod: V1Pod): ProviderEvent | undefined {
  const labels = pod.metadata?.labels ?? {};
  const name = labels[WORKSPACE_LABEL];
  const namespace = labels[NAMESPACE_LABEL];
  if (name === undefined || namespace === undefined) return undefined;
  return { namespace, name, reason: `pod ${type.toLowerCase()} ${pod.status?.phase ?? ''}`.trim() };
}

/** Requests timeout of the Pod list (the watch itself has none). */
const LIST_TIMEOUT_MS = 60_000;

/** The Pods collection (of `namespace`, or every namespace) as a source of the shared watch loop. */
export function podWatchSource(connection: KubeConnection, namespace: string | undefined): WatchSource<V1Pod> {
  const path = namespace === undefined ? '/api/v1/pods' : `/api/v1/namespaces/${namespace}/pods`;
  return {
    async list(options) {
      const { body } = await connection.request({ method: 'GET', path, query: { labelSelector: options.labelSelector }, resource: 'pods' });
      const list = body as { items?: V1Pod[]; metadata?: { resourceVersion?: string } };
      return { items: list.items ?? [], resourceVersion: list.metadata?.resourceVersion ?? '' };
    },
    async openWatch(options) {
      const query = { watch: '1', resourceVersion: options.resourceVersion, allowWatchBookmarks: 'true', labelSelector: options.labelSelector };
      const { lines } = await connection.stream({ path, query, resource: 'pods', signal: options.signal });
      return lines;
    },
    decode: (object) => object as V1Pod,
    describe: () => ({ description: `watch ${connection.server}${path}`, resource: 'pods' }),
  };
}

/** Pod hints until `signal` aborts; see the module comment. */
export async function* podEvents(ctx: PodEventsContext, signal: AbortSignal): AsyncGenerator<ProviderEvent> {
  const backoff = ctx.backoffMs ?? { initial: 500, max: 30_000 };
  const connection = new KubeConnection(ctx.kubeConfig, LIST_TIMEOUT_MS);
  const source = podWatchSource(connection, ctx.namespace);
  let delay = backoff.initial;
  try {
    while (!signal.aborted) {
      try {
        for await (const event of startWatchLoop(source, { labelSelector: MANAGED_SELECTOR, signal })) {
          const hint = podEventHint(event.type, event.object);
          if (hint === undefined) continue;
          delay = backoff.initial;
          yield hint;
        }
      } catch (err) {
        if (!signal.aborted) ctx.logger.debug({ err: errorMessage(err) }, 'pod watch ended');
      }
      if (signal.aborted) return;
      try {
        await ctx.clock.sleep(delay, signal);
      } catch {
        return;
      }
      delay = Math.min(delay * 2, backoff.max);
    }
  } finally {
    connection.close();
  }
}
