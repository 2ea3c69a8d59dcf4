/**
 * The OpenRPC document of the API (`schemas/api/openrpc.json`, assembled by `npm run generate` from
 * `openrpc.base.json` + `methods/*.json`) and what the daemon derives from it: one JSON Schema per
 * method for its by-name params (`additionalProperties: false`, the required params listed), compiled
 * with ajv once at daemon start (a few ms for the whole API; precompiling like apis/validation
 * would add a generated module for no measurable gain).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { packageRoot } from '../../apis/package-root.ts';

/** One OpenRPC content descriptor. */
export interface ContentDescriptor {
  name: string;
  description?: string;
  required?: boolean;
  schema: Record<string, unknown>;
}

/** One OpenRPC method object (with boulder's `x-scope` and `x-workspace-param`). */
export interface OpenRpcMethod {
  name: string;
  summary?: string;
  paramStructure?: 'by-name';
  params: ContentDescriptor[];
  result: ContentDescriptor;
  errors?: unknown[];
  'x-scope': string;
  'x-workspace-param'?: string;
}

/** The parts of the document the daemon and the generator read. */
export interface OpenRpcDocument {
  openrpc: string;
  info: Record<string, unknown>;
  methods: OpenRpcMethod[];
  components: { schemas: Record<string, Record<string, unknown>>; errors?: Record<string, unknown> };
  [key: string]: unknown;
}

/** Path of the assembled document in the package. */
export const OPENRPC_PATH = 'schemas/api/openrpc.json';

/** Reads the assembled document shipped with the package. */
export function loadOpenRpc(root = packageRoot()): OpenRpcDocument {
  return JSON.parse(readFileSync(join(root, OPENRPC_PATH), 'utf8')) as OpenRpcDocument;
}

/** `schema` with `#/components/schemas/X` references turned into `#/definitions/X`. */
export function toDefinitionRefs<T>(schema: T): T {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/schemas/', '"#/definitions/')) as T;
}

/** The JSON Schema of a method's by-name params object. */
export function paramsSchema(method: OpenRpcMethod): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const param of method.params) {
    properties[param.name] = param.schema;
    if (param.required === true) required.push(param.name);
  }
  return { type: 'object', additionalProperties: false, properties, ...(required.length > 0 ? { required } : {}) };
}

/** The params validator of every method of the document. */
export function compileParamsValidators(doc: OpenRpcDocument): Map<string, ValidateFunction> {
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addSchema({ $id: 'api-components', definitions: toDefinitionRefs(doc.components.schemas) });
  const validators = new Map<string, ValidateFunction>();
  for (const method of doc.methods) {
    const schema = JSON.parse(JSON.stringify(paramsSchema(method)).replaceAll('"#/components/schemas/', '"api-components#/definitions/')) as Record<string, unknown>;
    validators.set(method.name, ajv.compile(schema));
  }
  return validators;
}
