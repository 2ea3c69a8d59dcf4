/**
 * Generates the TypeScript types in `apis/types/` from `schemas/` with json-schema-to-typescript:
 * one module per schema file, cross-file `$ref`s become type imports, and an index re-exports all.
 */
import { compile } from 'json-schema-to-typescript';
import { BoulderError } from '../errors.ts';
import { isPlainObject, type JsonSchema } from '../schema/json-schema.ts';
import type { SchemaDocument } from '../schema/registry.ts';
import { GENERATED_NOTICE } from './banner.ts';

/** Module name (without `.ts`) of the types generated from a schema file: `workspace.schema.json` → `workspace`. */
export function typeModuleName(fileName: string): string {
  return fileName.replace(/\.schema\.json$/, '').replace(/\.json$/, '');
}

/** The exported type name of a schema document: its `title`. */
function rootTypeName(doc: SchemaDocument): string {
  if (typeof doc.schema.title !== 'string') throw new BoulderError('Internal', `schema ${doc.fileName} has no title`);
  return doc.schema.title;
}

/**
 * The definition another document's `$ref` points to (`other.schema.json#/definitions/x`). A titled
 * one is imported as the type of that name, which the other document's module exports when it
 * references the definition itself; an untitled one is copied in.
 */
function definitionAt(target: SchemaDocument, pointer: string, ref: string): JsonSchema {
  let node: unknown = target.schema;
  for (const token of pointer.split('/').slice(1)) node = isPlainObject(node) ? node[decodeURIComponent(token)] : undefined;
  if (!isPlainObject(node)) throw new BoulderError('Internal', `unresolvable $ref ${ref}`);
  return node as JsonSchema;
}

/**
 * Replaces every `$ref` to another schema file with a `tsType` naming that file's root type, and
 * reports which modules must be imported. A reference to another document's titled definition is
 * imported by its title, an untitled one is copied in; references inside a document stay as they are.
 */
function replaceRefs(
  schema: JsonSchema,
  doc: SchemaDocument,
  documents: SchemaDocument[],
): { schema: JsonSchema; imports: Map<string, string> } {
  const imports = new Map<string, string>();
  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(visit);
    if (!isPlainObject(node)) return node;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      if (key !== '$ref') out[key] = visit(value);
    }
    if (typeof node.$ref === 'string' && node.$ref.startsWith('#')) {
      // A reference inside the document: json-schema-to-typescript resolves it itself.
      out.$ref = node.$ref;
    } else if (typeof node.$ref === 'string') {
      const url = new URL(node.$ref, doc.id);
      const fragment = url.hash.slice(1);
      url.hash = '';
      const target = documents.find((d) => d.id === url.href);
      if (target === undefined) throw new BoulderError('Internal', `${doc.fileName}: unsupported $ref ${node.$ref}`);
      const definition = fragment === '' ? undefined : definitionAt(target, fragment, node.$ref);
      if (definition !== undefined && typeof definition.title !== 'string') {
        // An untitled definition (a string enum, a pattern) is copied in; sibling keywords win.
        if (JSON.stringify(definition).includes('"$ref"')) throw new BoulderError('Internal', `$ref ${node.$ref}: an untitled target must not hold references`);
        return { ...structuredClone(definition), ...out };
      }
      const typeName = definition === undefined ? rootTypeName(target) : (definition.title as string);
      imports.set(typeName, typeModuleName(target.fileName));
      out.tsType = typeName;
    }
    return out;
  };
  const replaced = visit(schema) as JsonSchema;
  delete replaced.$schema;
  delete replaced.$id;
  return { schema: replaced, imports };
}

/** The TypeScript source generated from one schema document. */
export async function generateTypeModule(doc: SchemaDocument, documents: SchemaDocument[]): Promise<string> {
  const { schema, imports } = replaceRefs(doc.schema, doc, documents);
  const body = await compile(schema as Parameters<typeof compile>[0], rootTypeName(doc), {
    bannerComment: '',
    additionalProperties: false,
    declareExternallyReferenced: true,
    unknownAny: true,
    strictIndexSignatures: false,
    format: true,
    style: { singleQuote: true, printWidth: 120, trailingComma: 'all' },
  });
  const importLines = [...imports]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([typeName, module]) => `import type { ${typeName} } from './${module}.ts';\n`)
    .join('');
  return `// ${GENERATED_NOTICE}\n${importLines === '' ? '' : `${importLines}\n`}${body.trimStart()}`;
}

/** The `apis/types/index.ts` source re-exporting every generated module. */
export function generateTypeIndex(documents: SchemaDocument[]): string {
  const lines = documents.map((d) => `export type * from './${typeModuleName(d.fileName)}.ts';\n`);
  return `// ${GENERATED_NOTICE}\n${lines.join('')}`;
}
