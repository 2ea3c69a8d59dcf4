/**
 * Follows objects through the store's watch (no polling) until each is Ready for its current
 * generation, reporting every change so a progress view can show the conditions as they turn.
 * Objects of several kinds and namespaces are followed concurrently within one deadline.
 */
import type { ResourceClient } from '../../apis/client/types.ts';
import type { KindInfo } from '../../apis/kinds.ts';
import type { KubeObject } from '../../apis/meta.ts';
import { terminalFailureOf } from '../../apis/terminal.ts';
import { conditionMet } from '../wait-for.ts';
import type { ObjectProgress } from './lines.ts';
import { READY } from '../../apis/names/index.ts';

/** One object to follow. */
export interface FollowTarget {
  kind: KindInfo;
  namespace: string;
  name: string;
}

/** Options of followUntilReady. */
export interface FollowOptions {
  timeoutMs: number;
  /** Ends the wait early (Ctrl-C); pending objects count as timed out. */
  signal?: AbortSignal;
  /** Called with every object's state after the first read and after each relevant change. */
  onChange?: (objects: readonly ObjectProgress[]) => void;
}

/** `workspace/NAME`, or `workspace/NS/NAME` outside the default namespace. */
export function progressLabel(target: FollowTarget): string {
  const ns = target.namespace === 'default' ? '' : `${target.namespace}/`;
  return `${target.kind.singular}/${ns}${target.name}`;
}

/**
 * Applies one observation of an object to its progress entry: Ready for its generation, gone, or
 * failed (a terminal failure reported for the current generation: waiting longer cannot help).
 */
export function settle(progress: ObjectProgress, obj: KubeObject | undefined, deleted: boolean): void {
  if (progress.outcome !== 'waiting') return;
  if (obj !== undefined) progress.object = obj;
  if (deleted) progress.outcome = 'deleted';
  else if (obj === undefined) progress.outcome = 'notFound';
  else if (conditionMet(obj, READY, 'True')) progress.outcome = 'ready';
  else if (terminalFailureOf(obj) !== undefined) progress.outcome = 'failed';
}

interface Group {
  kind: KindInfo;
  namespace: string;
  byName: Map<string, ObjectProgress>;
}

function groupTargets(targets: readonly FollowTarget[], progress: readonly ObjectProgress[]): Group[] {
  const groups = new Map<string, Group>();
  targets.forEach((target, i) => {
    const key = `${target.kind.kind}/${target.namespace}`;
    let group = groups.get(key);
    if (group === undefined) {
      group = { kind: target.kind, namespace: target.namespace, byName: new Map() };
      groups.set(key, group);
    }
    group.byName.set(target.name, progress[i] as ObjectProgress);
  });
  return [...groups.values()];
}

const pendingIn = (group: Group): boolean => [...group.byName.values()].some((p) => p.outcome === 'waiting');

/** Follows every target until it is Ready, gone, or the deadline passes; returns their final states in order. */
export async function followUntilReady(client: ResourceClient, targets: readonly FollowTarget[], options: FollowOptions): Promise<ObjectProgress[]> {
  const progress: ObjectProgress[] = targets.map((t) => ({ label: progressLabel(t), outcome: 'waiting' }));
  const changed = (): void => options.onChange?.(progress);
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), Math.max(0, options.timeoutMs));
  const onAbort = (): void => stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted === true) stop.abort();

  const follow = async (group: Group): Promise<void> => {
    const list = await client.list(group.kind.kind, { namespace: group.namespace });
    const listed = new Map(list.items.map((o) => [o.metadata.name, o]));
    for (const [name, p] of group.byName) settle(p, listed.get(name), false);
    changed();
    if (!pendingIn(group) || stop.signal.aborted) return;
    const events = client.watch(group.kind.kind, { namespace: group.namespace, resourceVersion: list.resourceVersion, signal: stop.signal });
    for await (const event of events) {
      const p = group.byName.get(event.object.metadata.name);
      if (p === undefined) continue;
      settle(p, event.object, event.type === 'DELETED');
      changed();
      if (!pendingIn(group)) break;
    }
  };

  try {
    await Promise.all(groupTargets(targets, progress).map(follow));
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    stop.abort();
  }
  for (const p of progress) if (p.outcome === 'waiting') p.outcome = 'timedOut';
  return progress;
}
