/**
 * Turns a kind's resolved JSON Schema into a Kubernetes structural `openAPIV3Schema`: keywords the
 * API server rejects are removed or rewritten, `metadata` is left to the server, and list/map
 * semantics Kubernetes needs are added.
 */
import { isPlainObject, type JsonSchema } from '../schema/json-schema.ts';

/** Keywords dropped everywhere: JSON Schema bookkeeping, and validation the CRD API cannot express. */
const DROPPED_KEYWORDS = new Set(['$schema', '$id', '$ref', '$comment', 'title', 'examples', 'propertyNames']);

/** Output key order, so generated YAML reads naturally and is stable. Unlisted keys follow, sorted. */
const KEY_ORDER = [
  'description',
  'type',
  'format',
  'enum',
  'default',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'minItems',
  'maxItems',
  'required',
  'properties',
  'additionalProperties',
  'items',
  'not',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
];

function orderKeys(node: Record<string, unknown>): Record<string, unknown> {
  const rank = (key: string): number => {
    const index = KEY_ORDER.indexOf(key);
    return index < 0 ? KEY_ORDER.length : index;
  };
  const keys = Object.keys(node).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(keys.map((key) => [key, node[key]]));
}

/** Converts one schema node (and its children) to its CRD form. `path` is the dotted field path. */
function convertNode(node: JsonSchema, path: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (DROPPED_KEYWORDS.has(key)) continue;
    if (key === 'const') {
      out.enum = [value];
    } else if (key === 'additionalProperties') {
      // CRDs prune unknown fields instead of rejecting them; only map value schemas are kept.
      if (isPlainObject(value)) out.additionalProperties = convertNode(value as JsonSchema, `${path}.*`);
    } else if (key === 'properties' && isPlainObject(value)) {
      const properties: Record<string, unknown> = {};
      for (const [name, child] of Object.entries(value)) {
        properties[name] = convertNode(child as JsonSchema, path === '' ? name : `${path}.${name}`);
      }
      out.properties = properties;
    } else if (key === 'items' && isPlainObject(value)) {
      out.items = convertNode(value as JsonSchema, `${path}[]`);
    } else if ((key === 'not' || key === 'anyOf' || key === 'allOf' || key === 'oneOf') && value !== undefined) {
      out[key] = Array.isArray(value)
        ? value.map((item) => convertJunctorNode(item as JsonSchema))
        : convertJunctorNode(value as JsonSchema);
    } else {
      out[key] = value;
    }
  }
  if (path === 'status.conditions') {
    out['x-kubernetes-list-type'] = 'map';
    out['x-kubernetes-list-map-keys'] = ['type'];
  }
  return orderKeys(out);
}

/** Inside not/anyOf/allOf/oneOf, structural schemas forbid description, type, default and the like. */
function convertJunctorNode(node: JsonSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (DROPPED_KEYWORDS.has(key) || ['description', 'type', 'default', 'additionalProperties', 'nullable'].includes(key)) continue;
    if (key === 'properties' && isPlainObject(value)) {
      out.properties = Object.fromEntries(
        Object.entries(value).map(([name, child]) => [name, convertJunctorNode(child as JsonSchema)]),
      );
    } else {
      out[key] = value;
    }
  }
  return orderKeys(out);
}

/**
 * The structural `openAPIV3Schema` of a kind from its resolved schema (all `$ref`s inlined).
 * `metadata` becomes `{type: object}`: the API server owns its schema. `apiVersion`, `kind` and
 * `metadata` are not listed as required: the server always sets them.
 */
export function toCrdSchema(resolved: JsonSchema): Record<string, unknown> {
  const schema = convertNode(resolved, '');
  const properties = schema.properties as Record<string, Record<string, unknown>> | undefined;
  if (properties?.metadata !== undefined) properties.metadata = { type: 'object' };
  if (Array.isArray(schema.required)) {
    const required = (schema.required as string[]).filter((f) => !['apiVersion', 'kind', 'metadata'].includes(f));
    if (required.length > 0) schema.required = required;
    else delete schema.required;
  }
  return schema;
}
