/**
 * Admission: what every store runs on each write (create, update, apply), so no invalid object is
 * ever stored, whichever tool wrote it.
 */
import { ValidationError } from '../errors.ts';
import type { KubeObject } from '../meta.ts';
import { applyDefaults } from './defaults.ts';
import { validateObject } from './validate.ts';

/**
 * Defaults `obj` (see applyDefaults) and validates the result; returns the defaulted copy, or
 * throws a ValidationError (code `Invalid`) listing every problem. Store-set metadata (uid,
 * resourceVersion, generation, timestamps) and status are accepted.
 */
export function admitObject<T extends KubeObject>(obj: T): T {
  const defaulted = applyDefaults(obj);
  const issues = validateObject(defaulted);
  if (issues.length > 0) throw new ValidationError(issues);
  return defaulted;
}
