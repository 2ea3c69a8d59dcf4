/**
 * Kinds do not import each other (issue 12, item 3): no file under controllers/workspace/,
 * controllers/portbinding/ or controllers/syncsession/ — tests and `import type` included —
 * imports a file of another of these folders. What two kinds share lives in runtime/, providers/,
 * sync/ or apis/ (README, design notes: "Which folder owns what").
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importGraph, importsOf, listSourceFiles } from './import-graph.ts';
import { crossKindImports, KIND_FOLDERS, kindFolderOf } from './kind-imports.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('imports between kinds', () => {
  it('tells a kind folder from shared folders, at any depth', () => {
    expect(kindFolderOf('controllers/portbinding/forward/pool.ts')).toBe('portbinding');
    expect(kindFolderOf('controllers/workspace/desired.ts')).toBe('workspace');
    expect(kindFolderOf('controllers/runtime/manager.ts')).toBeUndefined();
    expect(kindFolderOf('controllers/setup.ts')).toBeUndefined();
    expect(kindFolderOf('apis/workspace/x.ts')).toBeUndefined();
    const edges = [
      { from: 'controllers/portbinding/reconcile.ts', to: 'controllers/workspace/desired.ts', typeOnly: false },
      { from: 'controllers/workspace/a.test.ts', to: 'controllers/syncsession/status.ts', typeOnly: true },
      { from: 'controllers/workspace/reconcile.ts', to: 'controllers/workspace/desired.ts', typeOnly: false },
      { from: 'controllers/setup.ts', to: 'controllers/workspace/register.ts', typeOnly: false },
      { from: 'controllers/syncsession/register.ts', to: 'controllers/providers/registry.ts', typeOnly: false },
    ];
    expect(crossKindImports(edges).map((e) => e.from)).toEqual(['controllers/portbinding/reconcile.ts', 'controllers/workspace/a.test.ts']);
  });

  it('every kind folder exists and is seen by the graph (so the check below cannot pass vacuously)', () => {
    for (const kind of KIND_FOLDERS) {
      expect(existsSync(`${ROOT}controllers/${kind}/register.ts`)).toBe(true);
      expect(importsOf(ROOT, `controllers/${kind}/register.ts`).length).toBeGreaterThan(0);
    }
  });

  it('no file of controllers/<kind>/ imports another kind folder', () => {
    const found = crossKindImports(importGraph(ROOT)).map((e) => `${e.from} -> ${e.to}`);
    expect(found).toEqual([]);
  });

  it('the SyncSession controller opens no backend itself: its production files import no Docker client and no backend endpoint', () => {
    const files = listSourceFiles(ROOT).filter((f) => f.startsWith('controllers/syncsession/') && !f.endsWith('.test.ts'));
    expect(files.length).toBeGreaterThan(5);
    const graph = importGraph(ROOT).filter((e) => files.includes(e.from) && !e.typeOnly);
    const backends = /^controllers\/(sync\/(docker|kubernetes|sprite)|providers\/(docker|kubernetes|sprite))\//;
    expect(graph.filter((e) => backends.test(e.to)).map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
    expect(files.filter((f) => /from ['"]dockerode['"]/.test(readFileSync(`${ROOT}${f}`, 'utf8')))).toEqual([]);
  });
});
