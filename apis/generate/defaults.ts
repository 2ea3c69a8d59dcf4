/**
 * Generates the kinds' defaults tables (`apis/validation/generated/defaults.js`): each kind's
 * schema with its `$ref`s inlined, cut down to what static-defaults.ts walks (`default`,
 * `properties`, `additionalProperties`, `items`), so filling defaults at run time reads and
 * resolves no schema file.
 */
import { KINDS } from '../kinds.ts';
import { isPlainObject, type JsonSchema } from '../schema/json-schema.ts';
import { inlineRefs, type SchemaDocument } from '../schema/registry.ts';
import { GENERATED_NOTICE } from './banner.ts';

/** The generated defaults module, relative to the package root. */
export const DEFAULTS_MODULE_PATH = 'apis/validation/generated/defaults.js';

/** Its type declarations, relative to the package root. */
export const DEFAULTS_DECLARATIONS_PATH = 'apis/validation/generated/defaults.d.ts';

/**
 * `schema` reduced to the keywords fillDefaults reads. Every declared property stays (as `{}` when
 * nothing below it has a default): fillDefaults tells declared keys from map entries by them.
 */
export function defaultsTree(schema: JsonSchema): JsonSchema {
  const tree: JsonSchema = {};
  if (schema.default !== undefined) tree.default = schema.default;
  if (schema.properties !== undefined) {
    tree.properties = Object.fromEntries(Object.entries(schema.properties).map(([key, property]) => [key, defaultsTree(property)]));
  }
  if (isPlainObject(schema.additionalProperties)) {
    const values = defaultsTree(schema.additionalProperties as JsonSchema);
    if (Object.keys(values).length > 0) tree.additionalProperties = values;
  }
  if (isPlainObject(schema.items)) {
    const items = defaultsTree(schema.items as JsonSchema);
    if (Object.keys(items).length > 0) tree.items = items;
  }
  return tree;
}

function kindDocument(kind: (typeof KINDS)[number], documents: readonly SchemaDocument[]): SchemaDocument {
  const doc = documents.find((d) => d.fileName === kind.schemaFile);
  if (doc === undefined) throw new Error(`no schema ${kind.schemaFile} for kind ${kind.kind}`);
  return doc;
}

/** The ES module exporting `KIND_DEFAULTS`: kind name → its defaults tree. */
export function generateDefaultsModule(documents: readonly SchemaDocument[]): string {
  const tables = Object.fromEntries(KINDS.map((kind) => {
    const doc = kindDocument(kind, documents);
    return [kind.kind, defaultsTree(inlineRefs(doc.schema, doc.id, [...documents]))];
  }));
  return `// ${GENERATED_NOTICE}\nexport const KIND_DEFAULTS = ${JSON.stringify(tables)};\n`;
}

/** The type declarations of {@link generateDefaultsModule}'s module. */
export function generateDefaultsDeclarations(): string {
  return [
    `// ${GENERATED_NOTICE}`,
    `import type { KindName } from '../../kinds.ts';`,
    `import type { JsonSchema } from '../../schema/json-schema.ts';`,
    '',
    '/** Each kind\'s schema cut down to its defaults (`default`, `properties`, `additionalProperties`, `items`), `$ref`s inlined. */',
    'export declare const KIND_DEFAULTS: Readonly<Record<KindName, JsonSchema>>;',
    '',
  ].join('\n');
}
