/**
 * Generates the precompiled schema validators of the kinds (`apis/validation/generated/`) with
 * Ajv's standalone code generation, so no process compiles a schema at run time: an ES module with
 * one validator per kind, and its type declarations.
 */
import { Ajv, _ } from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import formats from 'ajv-formats';
import { KINDS } from '../kinds.ts';
import type { SchemaDocument } from '../schema/registry.ts';
import { GENERATED_NOTICE } from './banner.ts';

/** The generated validators module, relative to the package root. */
export const VALIDATORS_MODULE_PATH = 'apis/validation/generated/validators.js';

/** Its type declarations, relative to the package root. */
export const VALIDATORS_DECLARATIONS_PATH = 'apis/validation/generated/validators.d.ts';

/**
 * The standalone code refers to Ajv's runtime helpers and ajv-formats' format functions with
 * `require(...)` (CommonJS modules, also when Ajv emits ESM), so the module creates its own `require`.
 */
const MODULE_PREAMBLE = `import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\n`;

/**
 * The options the validators are compiled with: strict schemas, every error at once, and verbose
 * errors (the failing schema and data), which `ajv-messages.ts` builds its messages from.
 */
function standaloneAjv(documents: readonly SchemaDocument[]): Ajv {
  const ajv = new Ajv({
    strict: true,
    allErrors: true,
    verbose: true,
    code: { source: true, esm: true, lines: true, formats: _`require("ajv-formats/dist/formats").fullFormats` },
  });
  formats.default(ajv);
  for (const doc of documents) ajv.addSchema(doc.schema, doc.id);
  return ajv;
}

/** The schema id of each kind, by kind name (the names the module exports). */
function kindSchemaIds(documents: readonly SchemaDocument[]): Record<string, string> {
  const ids: Record<string, string> = {};
  for (const kind of KINDS) {
    const doc = documents.find((d) => d.fileName === kind.schemaFile);
    if (doc === undefined) throw new Error(`no schema ${kind.schemaFile} for kind ${kind.kind}`);
    ids[kind.kind] = doc.id;
  }
  return ids;
}

/**
 * An ES module of Ajv's standalone validators of `ajv`, exported under the names of `exports`
 * (export name → schema id or key), with the generated-file notice.
 */
export function standaloneModule(ajv: Ajv, exports: Record<string, string>): string {
  const code = standaloneCode.default(ajv, exports);
  return `// ${GENERATED_NOTICE}\n/* eslint-disable */\n${MODULE_PREAMBLE}${code.replace(/^"use strict";\n?/, '')}\n`;
}

/**
 * Type declarations of a {@link standaloneModule}: the PrecompiledValidator interface and one
 * constant per export (name → what its doc comment says it validates).
 */
export function standaloneDeclarations(exports: Record<string, string>): string {
  const lines = [
    `// ${GENERATED_NOTICE}`,
    `import type { ErrorObject } from 'ajv';`,
    '',
    '/** A precompiled schema validator: true when `data` is valid; otherwise `errors` lists every problem. */',
    'export interface PrecompiledValidator {',
    '  (data: unknown): boolean;',
    '  /** The errors of the last failed validation (verbose: with the failing schema and data). */',
    '  errors?: ErrorObject[] | null;',
    '}',
    ...Object.entries(exports).flatMap(([name, doc]) => ['', `/** ${doc} */`, `export declare const ${name}: PrecompiledValidator;`]),
    '',
  ];
  return lines.join('\n');
}

/** The ES module exporting the precompiled validator of every kind, named after the kind. */
export function generateValidatorsModule(documents: readonly SchemaDocument[]): string {
  return standaloneModule(standaloneAjv(documents), kindSchemaIds(documents));
}

/** The type declarations of {@link generateValidatorsModule}'s module. */
export function generateValidatorsDeclarations(): string {
  return standaloneDeclarations(Object.fromEntries(KINDS.map((kind) => [kind.kind, `Validates a ${kind.kind} against ${kind.schemaFile}.`])));
}
