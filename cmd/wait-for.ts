/**
 * Waiting for objects to reach a condition or disappear, driven by the store's watch (no polling):
 * list once, check, then follow changes from the list's resourceVersion until every object is done,
 * reports a terminal failure for its current generation (it would never get there), or the
 * deadline passes.
 */
import type { ResourceClient } from '../apis/client/types.ts';
import type { KindInfo } from '../apis/kinds.ts';
import type { ConditionStatus, KubeObject } from '../apis/meta.ts';
import { terminalFailureOf, TERMINATING, type ConditionFailure } from '../apis/terminal.ts';
import { conditionOf, textAt } from './print/fields.ts';

/** What to wait for. */
export type WaitTarget = { for: 'condition'; condition: string; status: ConditionStatus } | { for: 'delete' };

/** Per-object outcome of a wait. */
export interface WaitResult {
  /** Names whose target was reached. */
  met: string[];
  /** Names still pending at the deadline (or interruption). */
  timedOut: string[];
  /**
   * Names that can never meet the target: not found (condition waits), deleted while waiting, or
   * reporting a terminal failure (`terminal`, with the condition's reason and message).
   */
  failed: { name: string; reason: string; terminal?: ConditionFailure }[];
  /** The latest version seen of each object still there (what a timeout reports on). */
  latest: Map<string, KubeObject>;
}

/**
 * True when `obj` has condition `type` with `status`, observed for its current generation
 * (a condition whose observedGeneration lags metadata.generation describes an older spec).
 */
export function conditionMet(obj: KubeObject, type: string, status: ConditionStatus): boolean {
  const condition = conditionOf(obj, type);
  if (condition === undefined || condition.status !== status) return false;
  const generation = obj.metadata.generation;
  return condition.observedGeneration === undefined || generation === undefined || condition.observedGeneration >= generation;
}

/**
 * Parses `--for` values: `delete`, `condition=Ready`, `condition=Ready=False`
 * (condition names are matched case-sensitively, statuses case-insensitively).
 */
export function parseWaitTarget(text: string): WaitTarget | undefined {
  if (text === 'delete') return { for: 'delete' };
  const match = /^condition=([A-Za-z][\w.-]*)(?:=(true|false|unknown))?$/i.exec(text);
  if (match === null) return undefined;
  const raw = (match[2] ?? 'True').toLowerCase();
  const status: ConditionStatus = raw === 'true' ? 'True' : raw === 'false' ? 'False' : 'Unknown';
  return { for: 'condition', condition: match[1] as string, status };
}

/**
 * The terminal failure that ends a wait on `obj` for `target`: Stalled=True for the current
 * generation; for a deletion only once cleanup started (phase Terminating: the finalizer helper
 * drops an earlier Stalled when it sets that phase, so what remains is about cleanup).
 */
export function terminalFailureFor(obj: KubeObject, target: WaitTarget): ConditionFailure | undefined {
  if (target.for === 'delete' && textAt(obj, 'status.phase') !== TERMINATING) return undefined;
  return terminalFailureOf(obj);
}

/** Options of waitForObjects. */
export interface WaitOptions {
  timeoutMs: number;
  /** Ends the wait early (e.g. Ctrl-C); pending names count as timed out. */
  signal?: AbortSignal;
  /** Called with every version seen of a pending object (e.g. to print why a deletion is stuck). */
  onObject?: (obj: KubeObject) => void;
}

/** Waits until every named object of `kind` in `namespace` meets `target`, or the timeout. */
export async function waitForObjects(
  client: ResourceClient,
  kind: KindInfo,
  namespace: string,
  names: readonly string[],
  target: WaitTarget,
  opts: WaitOptions,
): Promise<WaitResult> {
  const result: WaitResult = { met: [], timedOut: [], failed: [], latest: new Map() };
  const pending = new Set(names);
  const settle = (name: string, obj: KubeObject | undefined, deleted: boolean): void => {
    if (!pending.has(name)) return;
    if (obj !== undefined && !deleted) {
      result.latest.set(name, obj);
      opts.onObject?.(obj);
    }
    if (obj === undefined || deleted) {
      pending.delete(name);
      if (target.for === 'delete') result.met.push(name);
      else result.failed.push({ name, reason: deleted ? 'was deleted' : 'not found' });
      return;
    }
    if (target.for === 'condition' && conditionMet(obj, target.condition, target.status)) {
      pending.delete(name);
      result.met.push(name);
      return;
    }
    const terminal = terminalFailureFor(obj, target);
    if (terminal !== undefined) {
      pending.delete(name);
      result.failed.push({ name, reason: `failed: ${terminal.reason}: ${terminal.message}`, terminal });
    }
  };

  const list = await client.list(kind.kind, { namespace });
  const byName = new Map(list.items.map((o) => [o.metadata.name, o]));
  for (const name of names) settle(name, byName.get(name), false);

  if (pending.size > 0) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), Math.max(0, opts.timeoutMs));
    const onAbort = (): void => controller.abort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.signal?.aborted === true) controller.abort();
    try {
      const events = client.watch(kind.kind, { namespace, resourceVersion: list.resourceVersion, signal: controller.signal });
      for await (const event of events) {
        settle(event.object.metadata.name, event.object, event.type === 'DELETED');
        if (pending.size === 0) break;
      }
    } finally {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      controller.abort();
    }
  }
  result.timedOut = names.filter((n) => pending.has(n));
  return result;
}
