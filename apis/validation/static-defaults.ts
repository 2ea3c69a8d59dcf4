/**
 * Static defaults: the `default` keywords of a JSON Schema, filled into data that lacks them.
 * A deterministic walk of the kind's schema (with `$ref`s inlined), cheaper to set up than a
 * second, defaulting Ajv instance. The kinds' schemas come cut down to their defaults by
 * `npm run generate` (generated/defaults.js), so no command reads or resolves a schema file to
 * default a manifest.
 */
import type { KindName } from '../kinds.ts';
import type { JsonSchema } from '../schema/json-schema.ts';
import { isRecord } from './field-path.ts';
import { KIND_DEFAULTS } from './generated/defaults.js';

/** Fills the static defaults of `kind`'s schema into `obj`, in place. */
export function fillKindDefaults(kind: KindName, obj: Record<string, unknown>): void {
  fillDefaults(obj, KIND_DEFAULTS[kind]);
}

/**
 * Returns `value`, or a copy of the schema's `default` when `value` is undefined, after filling
 * (in place) the defaults of its missing properties, map entries and list items. Like Ajv's
 * `useDefaults`, defaults go only into objects that exist and never replace a value that is set,
 * and defaults inside `oneOf`/`anyOf`/`not`/`if` are ignored (which branch applies is unknown).
 */
export function fillDefaults(value: unknown, schema: JsonSchema): unknown {
  const filled = value === undefined && schema.default !== undefined ? structuredClone(schema.default) : value;
  if (isRecord(filled)) {
    const properties = schema.properties ?? {};
    for (const [key, propertySchema] of Object.entries(properties)) {
      const result = fillDefaults(filled[key], propertySchema);
      if (result !== undefined) filled[key] = result;
    }
    const valueSchema = schema.additionalProperties;
    if (isRecord(valueSchema)) {
      for (const key of Object.keys(filled)) {
        if (!(key in properties)) fillDefaults(filled[key], valueSchema as JsonSchema);
      }
    }
  } else if (Array.isArray(filled) && isRecord(schema.items)) {
    for (const item of filled) fillDefaults(item, schema.items);
  }
  return filled;
}
