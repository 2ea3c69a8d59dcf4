/**
 * The subset of JSON Schema (draft-07) that boulder's schemas use, typed for the code that walks
 * them: the CRD generator, the type generator and `boulder explain`.
 */

/** One JSON Schema node. Keywords boulder does not use are still allowed through the index signature. */
export interface JsonSchema {
  [keyword: string]: unknown;
  $schema?: string;
  $id?: string;
  $ref?: string;
  title?: string;
  description?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  items?: JsonSchema;
  not?: JsonSchema;
}

/** True when `value` is a plain object (not an array, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The schema of a map's values, when `schema` is a map (`additionalProperties` is a schema). */
export function mapValueSchema(schema: JsonSchema): JsonSchema | undefined {
  return isPlainObject(schema.additionalProperties) ? schema.additionalProperties : undefined;
}
