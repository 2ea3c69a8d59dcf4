/**
 * No import circles (issue 12, item 9): the static import graph of every TypeScript source in the
 * repository (type-only imports included: a type imported back is how the sync engine's six-file
 * circle was made) has no strongly connected component of more than one file.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importCircles, importGraph, type ImportEdge } from './import-graph.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Edges from a compact `a>b` list. */
function edges(...pairs: string[]): ImportEdge[] {
  return pairs.map((pair) => {
    const [from, to] = pair.split('>') as [string, string];
    return { from, to, typeOnly: false };
  });
}

describe('import circles', () => {
  it('finds circles of any length, self-imports, and nothing in a tree-shaped graph', () => {
    expect(importCircles(edges('a>b', 'b>c', 'c>d', 'a>d'))).toEqual([]);
    expect(importCircles(edges('a>b', 'b>c', 'c>a', 'c>d', 'd>e', 'e>d', 'f>f'))).toEqual([['a', 'b', 'c'], ['d', 'e'], ['f']]);
  });

  it('sees import, export-from, type-only and dynamic imports in real files', () => {
    const graph = importGraph(ROOT);
    const has = (from: string, to: string, typeOnly?: boolean) =>
      graph.some((e) => e.from === from && e.to === to && (typeOnly === undefined || e.typeOnly === typeOnly));
    expect(has('controllers/sync/engine.ts', 'controllers/sync/engine-api.ts', true)).toBe(true);
    expect(has('controllers/sync/engine.ts', 'controllers/sync/fold.ts', false)).toBe(true);
    expect(has('cmd/registry.ts', 'cmd/commands/apply.ts')).toBe(true); // import()
    expect(graph.length).toBeGreaterThan(1000);
  });

  it('the source tree (node_modules, dist and fixtures excluded) has none', () => {
    expect(importCircles(importGraph(ROOT))).toEqual([]);
  });
});
