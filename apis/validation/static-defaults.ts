/**
 * Static defaults: the `default` keywords of a JSON Schema, filled into data that lacks them.
 * A deterministic walk of the kind's schema (with `$ref`s inlined), cheaper to set up than a
 * second, defaulting Ajv instance.
 */
import type { KindName } from '../kinds.ts';
import type { JsonSchema } from '../schema/json-schema.ts';
import { resolvedKindSchema } from '../schema/registry.ts';
import { isRecord } from './field-path.ts';

const kindSchemas = new Map<KindName, JsonSchema>();

/** The self-contained schema of `kind`, resolved once per process. */
function schemaOf(kind: KindName): JsonSchema {
  let schema = kindSchemas.get(kind);
  if (schema === undefined) {
    schema = resolvedKindSchema(kind);
    kindSchemas.set(kind, schema);
  }
  return schema;
}

/** Fills the static defaults of `kind`'s schema into `obj`, in place. */
export function fillKindDefaults(kind: KindName, obj: Record<string, unknown>): void {
  fillDefaults(obj, schemaOf(kind));
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
