/**
 * The registry of boulder's JSON Schemas: loads every `schemas/*.json` once, maps kinds to their
 * schema ids, and inlines `$ref`s for the consumers that need one self-contained schema per kind
 * (the CRD generator and `boulder explain`). Ajv users add every document with `addSchema` and
 * look kinds up by `schemaIdForKind`.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BoulderError } from '../errors.ts';
import { KINDS, type KindName } from '../kinds.ts';
import { isPlainObject, type JsonSchema } from './json-schema.ts';
import { packageRoot } from '../package-root.ts';

/** One schema file of `schemas/`. */
export interface SchemaDocument {
  /** File name inside `schemas/`, e.g. `workspace.schema.json`. */
  fileName: string;
  /** The schema's `$id`, e.g. `https://nexus.dev/schemas/workspace.schema.json`. */
  id: string;
  /** The parsed schema, exactly as in the file. Treat as read-only. */
  schema: JsonSchema;
}

/** Absolute path of the `schemas/` directory shipped with boulder. */
export function schemasDirectory(): string {
  return join(packageRoot(), 'schemas');
}

/** Reads and parses every `*.json` file of `dir`, sorted by file name. */
export function readSchemaDocuments(dir: string): SchemaDocument[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  return files.map((fileName) => {
    const schema = JSON.parse(readFileSync(join(dir, fileName), 'utf8')) as unknown;
    if (!isPlainObject(schema) || typeof schema.$id !== 'string') {
      throw new BoulderError('Internal', `schema ${fileName} has no $id`);
    }
    return { fileName, id: schema.$id, schema: schema as JsonSchema };
  });
}

let cachedDocuments: SchemaDocument[] | undefined;

/** Every schema of `schemas/`, loaded once per process. */
export function loadSchemas(): SchemaDocument[] {
  cachedDocuments ??= readSchemaDocuments(schemasDirectory());
  return cachedDocuments;
}

function kindDocument(kind: KindName, documents: SchemaDocument[]): SchemaDocument {
  const info = KINDS.find((k) => k.kind === kind);
  const doc = documents.find((d) => d.fileName === info?.schemaFile);
  if (doc === undefined) throw new BoulderError('Internal', `no schema for kind ${kind}`);
  return doc;
}

/** The `$id` of the schema that defines `kind` (what ajv's `getSchema` takes). */
export function schemaIdForKind(kind: KindName): string {
  return kindDocument(kind, loadSchemas()).id;
}

/** Follows a JSON pointer (`/properties/spec`) inside `root`. */
function followPointer(root: JsonSchema, pointer: string, ref: string): JsonSchema {
  let node: unknown = root;
  for (const raw of pointer.split('/').slice(1)) {
    const token = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    node = isPlainObject(node) ? node[token] : undefined;
  }
  if (!isPlainObject(node)) throw new BoulderError('Internal', `unresolvable $ref ${ref}`);
  return node as JsonSchema;
}

/**
 * Returns `schema` with every `$ref` replaced by a copy of its target (keywords written beside the
 * `$ref`, such as `description`, win over the target's). `$id` and `$schema` of inlined documents are
 * dropped. `baseId` resolves relative references; `documents` are the schemas they may point to.
 */
export function inlineRefs(schema: JsonSchema, baseId: string, documents: SchemaDocument[]): JsonSchema {
  const byId = new Map(documents.map((d) => [d.id, d.schema]));
  const rootOf = (id: string): JsonSchema => {
    const doc = byId.get(id);
    if (doc === undefined) throw new BoulderError('Internal', `$ref to unknown schema ${id}`);
    return doc;
  };

  const visit = (node: unknown, base: string, seen: readonly string[]): unknown => {
    if (Array.isArray(node)) return node.map((item) => visit(item, base, seen));
    if (!isPlainObject(node)) return node;
    if (typeof node.$ref === 'string') {
      const url = new URL(node.$ref, base);
      const fragment = url.hash.slice(1);
      url.hash = '';
      const target = fragment === '' ? rootOf(url.href) : followPointer(rootOf(url.href), fragment, node.$ref);
      const key = `${url.href}#${fragment}`;
      if (seen.includes(key)) throw new BoulderError('Internal', `recursive $ref ${node.$ref} cannot be inlined`);
      const inlined = visit(target, url.href, [...seen, key]) as Record<string, unknown>;
      const { $ref: _ref, ...siblings } = node;
      const merged: Record<string, unknown> = { ...inlined, ...(visit(siblings, base, seen) as object) };
      delete merged.$id;
      delete merged.$schema;
      return merged;
    }
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) out[key] = visit(value, base, seen);
    return out;
  };

  return visit(schema, baseId, []) as JsonSchema;
}

const resolvedCache = new Map<KindName, JsonSchema>();

/** The schema of `kind` with every `$ref` inlined: self-contained. Returns a fresh copy each call. */
export function resolvedKindSchema(kind: KindName): JsonSchema {
  let resolved = resolvedCache.get(kind);
  if (resolved === undefined) {
    const documents = loadSchemas();
    const doc = kindDocument(kind, documents);
    resolved = inlineRefs(doc.schema, doc.id, documents);
    resolvedCache.set(kind, resolved);
  }
  return structuredClone(resolved);
}
