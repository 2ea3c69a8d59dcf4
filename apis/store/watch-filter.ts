/**
 * Which change-log rows a watch receives, and as what. Label-filtered watches see transitions the
 * way a Kubernetes API server reports them: a MODIFIED that makes an object start matching is
 * delivered as ADDED, one that makes it stop matching as DELETED (carrying the new state).
 */
import type { LabelMatcher, Labels } from '../client/label-selector.ts';
import type { WatchEvent, WatchEventType } from '../client/types.ts';
import type { KubeObject } from '../meta.ts';
import type { StoredEvent } from './tables.ts';

/** What a watch asked for. */
export interface WatchFilter {
  kind: string;
  /** Undefined: all namespaces. */
  namespace: string | undefined;
  matchesLabels: LabelMatcher;
}

/** True when the row is about the watched kind and namespace (labels not yet considered). */
export function inScope(filter: WatchFilter, row: Pick<StoredEvent, 'kind' | 'namespace'>): boolean {
  return row.kind === filter.kind && (filter.namespace === undefined || row.namespace === filter.namespace);
}

/** The event type a watcher with this label filter sees, or undefined when it sees nothing. */
export function visibleType(
  type: WatchEventType,
  matchesLabels: LabelMatcher,
  labels: Labels | undefined,
  previousLabels: Labels | undefined,
): WatchEventType | undefined {
  const matchesNow = matchesLabels(labels);
  if (type !== 'MODIFIED') return matchesNow ? type : undefined;
  const matchedBefore = matchesLabels(previousLabels);
  if (matchesNow && matchedBefore) return 'MODIFIED';
  if (matchesNow) return 'ADDED';
  if (matchedBefore) return 'DELETED';
  return undefined;
}

/** Turns a change-log row into the event this watcher receives, or undefined. */
export function watchEventFor<T extends KubeObject>(filter: WatchFilter, row: StoredEvent): WatchEvent<T> | undefined {
  if (!inScope(filter, row)) return undefined;
  const object = JSON.parse(row.body) as T;
  const previous = row.prevLabels === null ? undefined : (JSON.parse(row.prevLabels) as Labels);
  const type = visibleType(row.type, filter.matchesLabels, object.metadata.labels, previous);
  return type === undefined ? undefined : { type, object };
}
