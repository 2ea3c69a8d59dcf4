/**
 * Drift hints from the cluster: a watch on the Pods boulder manages (label selector), turned into
 * one ProviderEvent per change, naming the workspace from the Pod's labels. When the watch ends
 * (timeout, 410 Gone, connection lost) it starts again without a resourceVersion — a relist, whose
 * ADDED events are harmless extra hints — after an exponential backoff (reset by any event).
 */
import { Watch, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
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

/** Pod hints until `signal` aborts; see the module comment. */
export async function* podEvents(ctx: PodEventsContext, signal: AbortSignal): AsyncGenerator<ProviderEvent> {
  const path = ctx.namespace === undefined ? '/api/v1/pods' : `/api/v1/namespaces/${ctx.namespace}/pods`;
  const backoff = ctx.backoffMs ?? { initial: 500, max: 30_000 };
  let delay = backoff.initial;
  const pending: ProviderEvent[] = [];
  let wake: (() => void) | undefined;
  const notify = (): void => {
    wake?.();
    wake = undefined;
  };
  signal.addEventListener('abort', notify, { once: true });
  while (!signal.aborted) {
    let ended = false;
    let request: AbortController | undefined;
    const onAbort = (): void => request?.abort();
    try {
      request = await new Watch(ctx.kubeConfig).watch(
        path,
        { labelSelector: MANAGED_SELECTOR, allowWatchBookmarks: false },
        (type, obj: V1Pod) => {
          const hint = podEventHint(type, obj);
          if (hint === undefined) return;
          delay = backoff.initial;
          pending.push(hint);
          notify();
        },
        (err: unknown) => {
          if (err !== null && err !== undefined && !signal.aborted) ctx.logger.debug({ err: errorMessage(err) }, 'pod watch ended');
          ended = true;
          notify();
        },
      );
      signal.addEventListener('abort', onAbort, { once: true });
    } catch (err) {
      ctx.logger.debug({ err: errorMessage(err) }, 'pod watch failed to start');
      ended = true;
    }
    while (!signal.aborted) {
      while (pending.length > 0) yield pending.shift()!;
      if (ended) break;
      await new Promise<void>((resolve) => (wake = resolve));
    }
    signal.removeEventListener('abort', onAbort);
    request?.abort();
    if (signal.aborted) return;
    try {
      await ctx.clock.sleep(delay, signal);
    } catch {
      return;
    }
    delay = Math.min(delay * 2, backoff.max);
  }
}
