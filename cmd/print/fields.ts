/**
 * Safe reads of nested fields of objects typed `unknown` (printers work on any stored object).
 */
import type { Condition, KubeObject } from '../../apis/meta.ts';

/** The value at a dotted path, or undefined when any step is missing. */
export function fieldAt(obj: unknown, path: string): unknown {
  let current: unknown = obj;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** The value at a dotted path as display text; undefined when missing or empty. */
export function textAt(obj: unknown, path: string): string | undefined {
  const value = fieldAt(obj, path);
  if (value === undefined || value === null || value === '') return undefined;
  return typeof value === 'object' ? JSON.stringify(value) : String(value as string | number | boolean);
}

/** The object's `status.conditions`, or an empty list. */
export function conditionsOf(obj: KubeObject): Condition[] {
  const conditions = fieldAt(obj, 'status.conditions');
  return Array.isArray(conditions) ? (conditions as Condition[]) : [];
}

/** The condition of one type, if present. */
export function conditionOf(obj: KubeObject, type: string): Condition | undefined {
  return conditionsOf(obj).find((c) => c.type === type);
}
