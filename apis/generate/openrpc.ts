/**
 * The daemon API's generated files: `schemas/api/openrpc.json` assembled from
 * `schemas/api/openrpc.base.json` and every `schemas/api/methods/*.json` (each a list of OpenRPC
 * method objects; methods sorted by name, a name defined twice is an error), and the SDK's types
 * `sdk/typescript/src/generated/api.ts` (json-schema-to-typescript): one `<Method>Params` and
 * `<Method>Result` type per method, the shared component schemas, and the `ApiMethods` map
 * (method name → { params, result }) the SDK's typed `call` uses.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { compile } from 'json-schema-to-typescript';
import { BoulderError } from '../errors.ts';
import { OPENRPC_PATH, paramsSchema, toDefinitionRefs, type OpenRpcDocument, type OpenRpcMethod } from '../../server/rpc/openrpc.ts';
import { GENERATED_NOTICE } from './banner.ts';

/** Path of the generated SDK types. */
export const SDK_TYPES_PATH = 'sdk/typescript/src/generated/api.ts';
/** Directory entirely generated (for the stale-file check). */
export const SDK_GENERATED_DIRECTORY = 'sdk/typescript/src/generated';

/** The assembled OpenRPC document. */
export function assembleOpenRpc(root: string): OpenRpcDocument {
  const dir = join(root, 'schemas/api');
  const base = JSON.parse(readFileSync(join(dir, 'openrpc.base.json'), 'utf8')) as OpenRpcDocument;
  const methods: OpenRpcMethod[] = [...base.methods];
  for (const file of readdirSync(join(dir, 'methods')).filter((f) => f.endsWith('.json')).sort()) {
    const list = JSON.parse(readFileSync(join(dir, 'methods', file), 'utf8')) as unknown;
    if (!Array.isArray(list)) throw new BoulderError('Invalid', `schemas/api/methods/${file}: must be a list of OpenRPC method objects`);
    methods.push(...(list as OpenRpcMethod[]));
  }
  const seen = new Set<string>();
  for (const method of methods) {
    if (seen.has(method.name)) throw new BoulderError('Invalid', `schemas/api: method ${method.name} is defined twice`);
    seen.add(method.name);
  }
  return { ...base, methods: methods.sort((a, b) => (a.name < b.name ? -1 : 1)) };
}

/** `resources.get` → `ResourcesGet`. */
export function methodTypeName(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter((p) => p !== '')
    .map((p) => p[0]!.toUpperCase() + p.slice(1))
    .join('');
}

/** The SDK's generated types module. */
export async function generateSdkTypes(doc: OpenRpcDocument): Promise<string> {
  const definitions: Record<string, unknown> = toDefinitionRefs(doc.components.schemas);
  const properties: Record<string, unknown> = {};
  for (const method of doc.methods) {
    const base = methodTypeName(method.name);
    definitions[`${base}Params`] = { ...toDefinitionRefs(paramsSchema(method)), title: `${base}Params`, description: `Params of ${method.name}: ${method.summary ?? ''}`.trim() };
    const result = toDefinitionRefs(method.result.schema);
    definitions[`${base}Result`] = typeof result.$ref === 'string' ? { title: `${base}Result`, allOf: [result] } : { ...result, title: `${base}Result` };
    properties[method.name] = {
      type: 'object',
      additionalProperties: false,
      required: ['params', 'result'],
      properties: { params: { $ref: `#/definitions/${base}Params` }, result: { $ref: `#/definitions/${base}Result` } },
    };
  }
  const root = { title: 'ApiMethods', description: 'Every API method: its params and result.', type: 'object', additionalProperties: false, required: Object.keys(properties), properties, definitions };
  const body = await compile(root as Parameters<typeof compile>[0], 'ApiMethods', {
    bannerComment: '',
    additionalProperties: false,
    declareExternallyReferenced: true,
    unknownAny: true,
    strictIndexSignatures: false,
    unreachableDefinitions: true,
    format: true,
    style: { singleQuote: true, printWidth: 120, trailingComma: 'all' },
  });
  return `// ${GENERATED_NOTICE}\n/* eslint-disable */\n${body.trimStart()}`;
}

/** Both generated files: path → content. */
export async function generateApiFiles(root: string): Promise<Map<string, string>> {
  const doc = assembleOpenRpc(root);
  return new Map([
    [OPENRPC_PATH, `${JSON.stringify({ 'x-generated': GENERATED_NOTICE, ...doc }, null, 2)}\n`],
    [SDK_TYPES_PATH, await generateSdkTypes(doc)],
  ]);
}
