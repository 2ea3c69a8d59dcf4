// The precompiled validators (generated/validators.js) against Ajv compiling the schemas at run
// time, as boulder did before: same verdict and the very same errors on every fixture document, and
// validating loads none of Ajv's compiler.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import formats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { KINDS, kindByName } from '../kinds.ts';
import { loadSchemas, schemaIdForKind } from '../schema/registry.ts';
import { validatorForKind } from './ajv.ts';
import { defaultValue } from './defaults.ts';
import { parseManifestText } from './parse.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

function runtimeCompiledAjv(): Ajv {
  const ajv = new Ajv({ strict: true, allErrors: true, verbose: true });
  formats.default(ajv);
  for (const doc of loadSchemas()) ajv.addSchema(doc.schema, doc.id);
  return ajv;
}

/** Every document of the fixture manifests whose kind boulder knows, as parsed and as defaulted. */
function fixtureObjects(): { name: string; object: Record<string, unknown> }[] {
  const found: { name: string; object: Record<string, unknown> }[] = [];
  for (const dir of ['test/fixtures/valid', 'test/fixtures/invalid']) {
    for (const file of readdirSync(`${repoRoot}${dir}`).sort()) {
      for (const doc of parseManifestText(readFileSync(`${repoRoot}${dir}/${file}`, 'utf8'), file)) {
        const { object, documentIndex: index } = doc;
        if (typeof object !== 'object' || object === null || kindByName(String((object as { kind?: unknown }).kind)) === undefined) continue;
        found.push({ name: `${dir}/${file}#${index}`, object: object as Record<string, unknown> });
        found.push({ name: `${dir}/${file}#${index} defaulted`, object: defaultValue(object) as Record<string, unknown> });
      }
    }
  }
  return found;
}

describe('validatorForKind (precompiled)', () => {
  const ajv = runtimeCompiledAjv();
  const objects = fixtureObjects();

  it('covers valid and invalid documents of every kind', () => {
    for (const kind of KINDS) expect(objects.some(({ object }) => object.kind === kind.kind), kind.kind).toBe(true);
    expect(objects.length).toBeGreaterThan(80);
  });

  it.each(objects.map((o) => [o.name, o.object] as const))('%s: same verdict and errors as a runtime compile', (_name, object) => {
    const kind = kindByName(String(object.kind))!.kind;
    const precompiled = validatorForKind(kind);
    const compiled = ajv.getSchema(schemaIdForKind(kind))!;
    const valid = precompiled(object);
    expect(valid).toBe(compiled(object));
    expect(precompiled.errors ?? null).toEqual(compiled.errors ?? null);
  });

  it('rejects bad formats (date-time, ipv4) like ajv-formats', () => {
    const workspace = { apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name: 'a', creationTimestamp: 'yesterday' }, spec: {} };
    const validate = validatorForKind('Workspace');
    expect(validate(workspace)).toBe(false);
    expect(validate.errors?.map((e) => [e.instancePath, e.keyword, e.params])).toEqual([['/metadata/creationTimestamp', 'format', { format: 'date-time' }]]);
    expect(validate({ ...workspace, metadata: { name: 'a', creationTimestamp: '2025-01-02T03:04:05Z' } })).toBe(true);
  });

  it('validating an object loads neither Ajv nor its compiler, only its runtime helpers', () => {
    const script = `
      import { createRequire } from 'node:module';
      import { validateObject } from './apis/validation/validate.ts';
      const issues = validateObject({ apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name: 'A' }, spec: { name: 'x' } });
      const loaded = Object.keys(createRequire(import.meta.url).cache).filter((p) => /node_modules[\\\\/]ajv/.test(p));
      process.stdout.write(JSON.stringify({ issues: issues.length, loaded: loaded.map((p) => p.replace(/^.*node_modules[\\\\/]/, '')) }));
    `;
    const output = execFileSync(process.execPath, ['--input-type=module', '--eval', script], { cwd: repoRoot, encoding: 'utf8' });
    const { issues, loaded } = JSON.parse(output) as { issues: number; loaded: string[] };
    expect(issues).toBe(2);
    expect(loaded.sort()).toEqual(['ajv-formats/dist/formats.js', 'ajv/dist/runtime/ucs2length.js']);
  });
});
