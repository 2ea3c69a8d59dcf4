import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { KINDS } from '../kinds.ts';
import type { JsonSchema } from '../schema/json-schema.ts';
import { packageRoot } from '../package-root.ts';
import { loadSchemas, resolvedKindSchema } from '../schema/registry.ts';
import { GENERATED_NOTICE } from './banner.ts';
import { findStaleFiles, generateAll, writeGenerated } from './generate.ts';
import { missingDescriptions, structuralProblems } from './structural.ts';

let files: Map<string, string>;

beforeAll(async () => {
  files = await generateAll();
});

describe('npm run generate', () => {
  it('committed apis/types, apis/validation/generated, apis/config/generated, manifests/crds, schemas/api/openrpc.json and the SDK types match a fresh run', () => {
    const stale = findStaleFiles(packageRoot(), files);
    expect(stale, `stale generated files: ${stale.join(', ')}; run npm run generate`).toEqual([]);
  });

  it('produces every expected file, each with the generated-file notice', () => {
    expect([...files.keys()]).toEqual([
      'apis/config/generated/effective.d.ts',
      'apis/config/generated/effective.js',
      'apis/config/generated/node.d.ts',
      'apis/config/generated/node.js',
      'apis/config/generated/project.d.ts',
      'apis/config/generated/project.js',
      'apis/config/generated/user.d.ts',
      'apis/config/generated/user.js',
      'apis/types/condition.ts',
      'apis/types/config-node.ts',
      'apis/types/config-project.ts',
      'apis/types/config-user.ts',
      'apis/types/index.ts',
      'apis/types/objectmeta.ts',
      'apis/types/portbinding.ts',
      'apis/types/syncsession.ts',
      'apis/types/workspace.ts',
      'apis/validation/generated/defaults.d.ts',
      'apis/validation/generated/defaults.js',
      'apis/validation/generated/validators.d.ts',
      'apis/validation/generated/validators.js',
      'manifests/crds/portbindings.nexus.dev.yaml',
      'manifests/crds/syncsessions.nexus.dev.yaml',
      'manifests/crds/workspaces.nexus.dev.yaml',
      'schemas/api/openrpc.json',
      'sdk/typescript/src/generated/api.ts',
    ]);
    for (const [path, content] of files) expect(content.split('\n')[path.endsWith('.json') ? 1 : 0]).toContain(GENERATED_NOTICE);
  });

  it('assembles the OpenRPC document from schemas/api/methods and gives the SDK one typed entry per method', () => {
    const doc = JSON.parse(files.get('schemas/api/openrpc.json') as string) as { methods: { name: string; 'x-scope': string }[] };
    const names = doc.methods.map((m) => m.name);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['auth', 'resources.get', 'resources.watch', 'workspaces.switch', 'workspaces.ports']));
    const types = files.get('sdk/typescript/src/generated/api.ts') as string;
    for (const name of names) expect(types).toContain(`'${name}': {`.replace(/^'(\w+)': /, '$1: '));
    expect(types).toContain('export interface ResourcesListParams');
  });

  it('is deterministic', async () => {
    expect(await generateAll()).toEqual(files);
  });

  it('detects stale, missing and leftover files, and the writer fixes them', () => {
    const root = mkdtempSync(join(tmpdir(), 'boulder-generate-'));
    expect(findStaleFiles(root, files)).toEqual([...files.keys()]);
    writeGenerated(root, files);
    expect(findStaleFiles(root, files)).toEqual([]);
    writeFileSync(join(root, 'apis/types/workspace.ts'), '// edited by hand\n');
    writeFileSync(join(root, 'manifests/crds/old.nexus.dev.yaml'), 'kind: Gone\n');
    expect(findStaleFiles(root, files)).toEqual(['apis/types/workspace.ts', 'manifests/crds/old.nexus.dev.yaml']);
    expect(writeGenerated(root, files)).toEqual(['manifests/crds/old.nexus.dev.yaml']);
    expect(findStaleFiles(root, files)).toEqual([]);
    expect(readFileSync(join(root, 'apis/types/workspace.ts'), 'utf8')).toBe(files.get('apis/types/workspace.ts'));
  });
});

/** The parts of a CRD the tests read. */
interface Crd {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    scope: string;
    names: Record<string, unknown>;
    versions: {
      name: string;
      additionalPrinterColumns: { name: string; jsonPath: string }[];
      schema: { openAPIV3Schema: JsonSchema };
    }[];
  };
}

describe('generated CRDs', () => {
  const crdOf = (plural: string): Crd => parse(files.get(`manifests/crds/${plural}.nexus.dev.yaml`)!) as Crd;
  const versionOf = (plural: string): Crd['spec']['versions'][number] => crdOf(plural).spec.versions[0]!;

  it.each(KINDS.map((k) => [k.kind, k] as const))('%s CRD is a namespaced v1 CRD with status subresource and names', (_name, kind) => {
    const crd = crdOf(kind.plural);
    expect(crd.apiVersion).toBe('apiextensions.k8s.io/v1');
    expect(crd.kind).toBe('CustomResourceDefinition');
    expect(crd.metadata.name).toBe(`${kind.plural}.nexus.dev`);
    expect(crd.spec.scope).toBe('Namespaced');
    expect(crd.spec.names).toEqual({
      kind: kind.kind,
      listKind: `${kind.kind}List`,
      plural: kind.plural,
      singular: kind.singular,
      shortNames: kind.shortNames,
      categories: ['nexus'],
    });
    expect(crd.spec.versions).toHaveLength(1);
    const version = versionOf(kind.plural);
    expect(version).toMatchObject({ name: 'v1alpha1', served: true, storage: true, subresources: { status: {} } });
    expect(version.additionalPrinterColumns.at(-1)).toMatchObject({ name: 'Age', jsonPath: '.metadata.creationTimestamp' });
  });

  it.each(KINDS.map((k) => [k.kind, k] as const))('%s CRD schema is structural', (_name, kind) => {
    const schema = versionOf(kind.plural).schema.openAPIV3Schema;
    expect(structuralProblems(schema)).toEqual([]);
    expect(JSON.stringify(schema)).not.toMatch(/"additionalProperties":false|"\$ref"|"const"|"title"/);
    expect(schema.properties?.status?.properties?.conditions).toMatchObject({
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    });
  });

  it('shows the agreed printer columns', () => {
    const columns = (plural: string): string[] =>
      versionOf(plural).additionalPrinterColumns.map((c) => `${c.name}=${c.jsonPath}`);
    expect(columns('workspaces')).toEqual([
      'Phase=.status.phase',
      'Backend=.spec.backend',
      'Branch=.status.branch',
      'State=.spec.state',
      'Ports=.status.ports',
      'Age=.metadata.creationTimestamp',
    ]);
    expect(columns('portbindings')).toEqual([
      'Workspace=.spec.workspace',
      'Container=.spec.containerPort',
      'Host=.status.hostPort',
      'Phase=.status.phase',
      'Age=.metadata.creationTimestamp',
    ]);
    expect(columns('syncsessions')).toEqual(['Workspace=.spec.workspace', 'Mode=.spec.mode', 'Phase=.status.phase', 'Age=.metadata.creationTimestamp']);
  });
});

describe('schemas', () => {
  it.each(KINDS.map((k) => [k.kind] as const))('%s documents every field', (kind) => {
    expect(missingDescriptions(resolvedKindSchema(kind))).toEqual([]);
  });

  it('every schema file documents every field', () => {
    for (const doc of loadSchemas()) expect(missingDescriptions(doc.schema), doc.fileName).toEqual([]);
  });
});

describe('structuralProblems', () => {
  it('reports untyped nodes, forbidden keywords, boolean additionalProperties and a non-trivial metadata', () => {
    const problems = structuralProblems({
      type: 'object',
      properties: {
        metadata: { type: 'object', properties: { name: { type: 'string' } } },
        spec: { type: 'object', additionalProperties: false, properties: { a: { description: 'no type' }, b: { type: 'string', const: 'x' } } },
        tags: { type: 'array', items: { $ref: 'x.json' } },
        word: { type: 'string', pattern: '^(?!x)\\w+$' },
        any: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      },
    });
    expect(problems).toEqual([
      'spec: additionalProperties must be a schema',
      'spec.a: no type',
      'spec.b: keyword const is not allowed',
      'tags[]: no type',
      'tags[]: keyword $ref is not allowed',
      "word: pattern uses lookaround or backreferences, which the API server's RE2 engine rejects",
      'metadata: must be exactly {type: object}',
    ]);
  });
});

describe('missingDescriptions', () => {
  it('names fields, items and map values without a description', () => {
    expect(
      missingDescriptions({
        description: 'root',
        type: 'object',
        properties: {
          a: { type: 'string', description: 'documented' },
          b: { type: 'array', description: 'list', items: { type: 'string' } },
          c: { type: 'object', description: ' ', additionalProperties: { type: 'string', description: 'value' } },
        },
      }),
    ).toEqual(['b[]', 'c']);
  });
});
