import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { KINDS } from '../kinds.ts';
import type { JsonSchema } from './json-schema.ts';
import { findPackageRoot } from '../package-root.ts';
import { inlineRefs, loadSchemas, resolvedKindSchema, schemaIdForKind, schemasDirectory } from './registry.ts';

function compileAll(): Ajv.default {
  const ajv = new Ajv.default({ allErrors: true, strict: true, useDefaults: true });
  addFormats.default(ajv);
  for (const doc of loadSchemas()) ajv.addSchema(doc.schema);
  return ajv;
}

describe('loadSchemas', () => {
  it('loads every schema file with its $id, sorted by file name', () => {
    const docs = loadSchemas();
    expect(docs.map((d) => d.fileName)).toEqual([
      'condition.schema.json',
      'config-node.schema.json',
      'config-project.schema.json',
      'config-user.schema.json',
      'objectmeta.schema.json',
      'portbinding.schema.json',
      'syncsession.schema.json',
      'workspace.schema.json',
    ]);
    for (const doc of docs) expect(doc.id).toBe(`https://nexus.dev/schemas/${doc.fileName}`);
    expect(loadSchemas()).toBe(docs);
  });

  it('finds schemas/ from the package root', () => {
    expect(schemasDirectory()).toBe(join(findPackageRoot(import.meta.dirname), 'schemas'));
  });
});

describe('findPackageRoot', () => {
  it('walks up to the directory holding package.json (as from dist/apis/schema)', () => {
    const root = mkdtempSync(join(tmpdir(), 'boulder-root-'));
    writeFileSync(join(root, 'package.json'), '{}');
    const deep = join(root, 'dist', 'apis', 'schema');
    mkdirSync(deep, { recursive: true });
    expect(findPackageRoot(deep)).toBe(root);
  });
});

describe('schemaIdForKind', () => {
  it('maps each kind to its schema id, which ajv resolves with all cross-file $refs', () => {
    const ajv = compileAll();
    for (const kind of KINDS) {
      const id = schemaIdForKind(kind.kind);
      expect(id).toBe(`https://nexus.dev/schemas/${kind.schemaFile}`);
      expect(ajv.getSchema(id)).toBeTypeOf('function');
    }
  });

  it('validates and defaults a workspace through ajv', () => {
    const validate = compileAll().getSchema(schemaIdForKind('Workspace'))!;
    const ws = {
      apiVersion: 'nexus.dev/v1alpha1',
      kind: 'Workspace',
      metadata: { name: 'feature-x', labels: { 'nexus.dev/workspace': 'feature-x' } },
      spec: { image: 'node:24', ports: { web: { containerPort: 3000 } } },
    };
    expect(validate(ws), JSON.stringify(validate.errors)).toBe(true);
    expect(ws.spec).toMatchObject({
      backend: 'docker',
      state: 'Running',
      sync: { mode: 'bind', conflict: 'manual' },
      ports: { web: { containerPort: 3000, protocol: 'tcp', visibility: 'private' } },
    });
  });

  it('rejects bad names, unknown fields, image together with build, and bad condition reasons', () => {
    const ajv = compileAll();
    const validate = ajv.getSchema(schemaIdForKind('Workspace'))!;
    const base = { apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace' };
    expect(validate({ ...base, metadata: { name: 'Bad_Name' }, spec: {} })).toBe(false);
    expect(validate.errors?.[0]?.instancePath).toBe('/metadata/name');
    expect(validate({ ...base, metadata: { name: 'a' }, spec: { bogus: 1 } })).toBe(false);
    expect(validate.errors?.[0]?.keyword).toBe('additionalProperties');
    expect(validate({ ...base, metadata: { name: 'a' }, spec: { image: 'x', build: {} } })).toBe(false);
    expect(validate.errors?.[0]?.keyword).toBe('not');
    const condition = { type: 'Ready', status: 'True', reason: 'not camel', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' };
    expect(validate({ ...base, metadata: { name: 'a' }, spec: {}, status: { conditions: [condition] } })).toBe(false);
    expect(validate.errors?.[0]?.instancePath).toBe('/status/conditions/0/reason');
  });
});

describe('inlineRefs', () => {
  const docs = [
    { fileName: 'a.json', id: 'https://x.test/s/a.json', schema: { $id: 'https://x.test/s/a.json', type: 'object', properties: { b: { $ref: 'b.json', description: 'mine' } } } as JsonSchema },
    { fileName: 'b.json', id: 'https://x.test/s/b.json', schema: { $id: 'https://x.test/s/b.json', $schema: 'x', type: 'string', description: 'theirs', definitions: { n: { type: 'integer' } } } as JsonSchema },
  ];

  it('replaces a $ref by its target, keeping sibling keywords and dropping $id/$schema', () => {
    const out = inlineRefs(docs[0]!.schema, docs[0]!.id, docs);
    expect(out.properties?.b).toEqual({ type: 'string', description: 'mine', definitions: { n: { type: 'integer' } } });
  });

  it('follows JSON pointers and rejects recursion and unknown targets', () => {
    expect(inlineRefs({ $ref: 'b.json#/definitions/n' }, docs[0]!.id, docs)).toEqual({ type: 'integer' });
    const loop = [{ fileName: 'l.json', id: 'https://x.test/l.json', schema: { properties: { self: { $ref: 'l.json' } } } as JsonSchema }];
    expect(() => inlineRefs(loop[0]!.schema, loop[0]!.id, loop)).toThrow(/recursive \$ref/);
    expect(() => inlineRefs({ $ref: 'nope.json' }, docs[0]!.id, docs)).toThrow(/unknown schema/);
  });
});

describe('resolvedKindSchema', () => {
  it('contains no $ref and inlines metadata and conditions', () => {
    for (const kind of KINDS) {
      const schema = resolvedKindSchema(kind.kind);
      expect(JSON.stringify(schema)).not.toContain('$ref');
      expect(schema.properties?.metadata?.properties?.name?.pattern).toBe('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$');
      expect(schema.properties?.status?.properties?.conditions?.items?.required).toContain('lastTransitionTime');
    }
  });

  it('returns an independent copy each call', () => {
    const first = resolvedKindSchema('PortBinding');
    first.description = 'changed';
    expect(resolvedKindSchema('PortBinding').description).not.toBe('changed');
  });
});
