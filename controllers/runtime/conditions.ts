/**
 * Pure helpers for `status.conditions` with Kubernetes semantics: one entry per type,
 * `lastTransitionTime` moves only when the status flips, and `Ready` summarizes the others.
 */
import type { Condition, ConditionStatus } from '../../apis/meta.ts';
import { READY, RECONCILE_FAILED } from '../../apis/names/index.ts';

/** What a controller reports for one condition; the time is filled in by `setCondition`. */
export interface ConditionInput {
  type: string;
  status: ConditionStatus;
  /** CamelCase, machine-readable reason. */
  reason: string;
  message: string;
  observedGeneration?: number;
}

/**
 * Returns a new list with `input` set: an existing entry of the same type keeps its position and
 * its `lastTransitionTime` unless the status changes; reason, message and observedGeneration are
 * always overwritten. A new type is appended with `lastTransitionTime` = `now`. Never mutates.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  input: ConditionInput,
  now: Date,
): Condition[] {
  const list = conditions ?? [];
  const index = list.findIndex((c) => c.type === input.type);
  const existing = index >= 0 ? list[index] : undefined;
  const lastTransitionTime =
    existing !== undefined && existing.status === input.status ? existing.lastTransitionTime : now.toISOString();
  const next: Condition = {
    type: input.type,
    status: input.status,
    reason: input.reason,
    message: input.message,
    ...(input.observedGeneration !== undefined ? { observedGeneration: input.observedGeneration } : {}),
    lastTransitionTime,
  };
  if (index < 0) return [...list, next];
  return list.map((c, i) => (i === index ? next : c));
}

/** The condition of the given type, or undefined. */
export function getCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** True when the condition of the given type exists with status True. */
export function isConditionTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return getCondition(conditions, type)?.status === 'True';
}

/** Pattern every condition reason must match (CamelCase, as the condition schema requires). */
export const CONDITION_REASON_PATTERN = /^[A-Z][A-Za-z0-9]*$/;

/**
 * Turns `text` into a valid CamelCase reason: `invalid-image` → `InvalidImage`,
 * `port conflict` → `PortConflict`; `fallback` when nothing usable is left.
 */
export function toConditionReason(text: string, fallback = RECONCILE_FAILED): string {
  const joined = text
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part !== '')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
  return CONDITION_REASON_PATTERN.test(joined) ? joined : fallback;
}

/** True when two condition lists hold the same entries in the same order. */
export function conditionsEqual(a: readonly Condition[] | undefined, b: readonly Condition[] | undefined): boolean {
  const left = a ?? [];
  const right = b ?? [];
  return left.length === right.length && left.every((c, i) => sameCondition(c, right[i]));
}

function sameCondition(a: Condition, b: Condition | undefined): boolean {
  return (
    b !== undefined &&
    a.type === b.type &&
    a.status === b.status &&
    a.reason === b.reason &&
    a.message === b.message &&
    a.observedGeneration === b.observedGeneration &&
    a.lastTransitionTime === b.lastTransitionTime
  );
}

/** Options of `summarizeReady`. */
export interface SummarizeOptions {
  /** observedGeneration of the produced Ready condition. */
  observedGeneration?: number;
}

/**
 * The Ready condition implied by the sub-conditions `types`, checked in order: the first one that
 * is False makes Ready False with its reason and message; otherwise the first Unknown or missing
 * one makes Ready Unknown (a missing type gets reason `<Type>Pending`); otherwise Ready is True
 * with reason `Ready`.
 */
export function summarizeReady(
  conditions: readonly Condition[] | undefined,
  types: readonly string[],
  options: SummarizeOptions = {},
): ConditionInput {
  const generation = options.observedGeneration !== undefined ? { observedGeneration: options.observedGeneration } : {};
  const subs = types.map((type) => ({ type, condition: getCondition(conditions, type) }));
  const failed = subs.find((s) => s.condition?.status === 'False');
  if (failed?.condition !== undefined) {
    const { reason, message } = failed.condition;
    return { type: READY, status: 'False', reason, message, ...generation };
  }
  const unknown = subs.find((s) => s.condition === undefined || s.condition.status === 'Unknown');
  if (unknown !== undefined) {
    const reason = unknown.condition?.reason ?? toConditionReason(`${unknown.type}Pending`, 'Pending');
    const message = unknown.condition?.message ?? `${unknown.type} has not been reported yet`;
    return { type: READY, status: 'Unknown', reason, message, ...generation };
  }
  const message = types.length === 0 ? 'ready' : `${types.join(', ')} ${types.length === 1 ? 'is' : 'are'} True`;
  return { type: READY, status: 'True', reason: READY, message, ...generation };
}
