// The generated defaults tables fill exactly what the kinds' full, resolved schemas fill.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KINDS } from '../kinds.ts';
import { resolvedKindSchema } from '../schema/registry.ts';
import { packageRoot } from '../package-root.ts';
import { KIND_DEFAULTS } from '../validation/generated/defaults.js';
import { parseManifestText } from '../validation/parse.ts';
import { fillDefaults } from '../validation/static-defaults.ts';
import { defaultsTree } from './defaults.ts';

/** Every document of the valid fixtures, plus objects with map entries, list items and declared keys that look like map entries. */
function samples(): { kind: string; object: Record<string, unknown> }[] {
  const dir = join(packageRoot(), 'test', 'fixtures', 'valid');
  const fromFixtures = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(ya?ml|json)$/.test(f))
    .flatMap((f) => parseManifestText(readFileSync(join(dir, f), 'utf8'), f).map((d) => d.object as Record<string, unknown>));
  const extra = [
    { apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name: 'w', ownerReferences: [{ kind: 'X' }] }, spec: { ports: { web: { containerPort: 80 } }, services: { db: { image: 'pg', ports: [{ containerPort: 5432 }] } }, sync: {}, repository: { path: '.' } } },
    { apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name: 'w' }, spec: {}, status: { conditions: [{ type: 'Ready' }] } },
    { apiVersion: 'nexus.dev/v1alpha1', kind: 'SyncSession', metadata: { name: 's' }, spec: {} },
    { apiVersion: 'nexus.dev/v1alpha1', kind: 'PortBinding', metadata: { name: 'p' }, spec: {} },
  ];
  return [...fromFixtures, ...extra].filter((o) => typeof o?.['kind'] === 'string').map((object) => ({ kind: object['kind'] as string, object }));
}

describe('generated defaults tables', () => {
  it('fill the same defaults as the resolved kind schemas', () => {
    const all = samples();
    expect(all.length).toBeGreaterThan(4);
    for (const { kind, object } of all) {
      const info = KINDS.find((k) => k.kind === kind);
      if (info === undefined) continue;
      const viaSchema = fillDefaults(structuredClone(object), resolvedKindSchema(info.kind));
      const viaTable = fillDefaults(structuredClone(object), KIND_DEFAULTS[info.kind]);
      expect(viaTable, `${kind} ${JSON.stringify(object)}`).toEqual(viaSchema);
    }
  });

  it('are the resolved schemas cut down to their defaults', () => {
    for (const kind of KINDS) expect(KIND_DEFAULTS[kind.kind]).toEqual(defaultsTree(resolvedKindSchema(kind.kind)));
  });

  it('keep every declared property, so a declared key is never defaulted as a map entry', () => {
    const tree = defaultsTree({ properties: { a: { type: 'string' } }, additionalProperties: { properties: { x: { default: 1 } } } });
    expect(tree).toEqual({ properties: { a: {} }, additionalProperties: { properties: { x: { default: 1 } } } });
    expect(fillDefaults({ a: {}, b: {} }, tree)).toEqual({ a: {}, b: { x: 1 } });
  });
});
