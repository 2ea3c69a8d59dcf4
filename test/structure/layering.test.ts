/**
 * Nothing outside cmd/ imports cmd/: the CLI is the top layer. apis/, controllers/, server/,
 * integrations/ and sdk/typescript/ (their tests beside the code and `import type` included) never
 * import a file under cmd/; what the CLI shares with the daemon API lives below both (the Workspace
 * lifecycle operations in controllers/workspace/operations/, the package root in apis/). Only the
 * suites under test/ may import cmd/: they test it.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importGraph, type ImportEdge } from './import-graph.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Why an import breaks the layering, or undefined when it is allowed. */
export function layeringViolation(edge: ImportEdge): string | undefined {
  const { from, to } = edge;
  if (!to.startsWith('cmd/') || from.startsWith('cmd/') || from.startsWith('test/')) return undefined;
  return `${from} imports ${to}${edge.typeOnly ? ' (type only)' : ''}: only cmd/ and the suites under test/ may import cmd/`;
}

describe('layering: nothing outside cmd/ imports cmd/', () => {
  const edge = (from: string, to: string, typeOnly = false): ImportEdge => ({ from, to, typeOnly });

  it('refuses an import of cmd/ from every other layer, tests and type-only imports included', () => {
    expect(layeringViolation(edge('server/methods/core/index.ts', 'cmd/package-root.ts'))).toBe(
      'server/methods/core/index.ts imports cmd/package-root.ts: only cmd/ and the suites under test/ may import cmd/',
    );
    expect(layeringViolation(edge('server/methods/workspaces/index.ts', 'cmd/workspace/state.ts', true))).toContain('(type only)');
    for (const from of ['apis/kinds.ts', 'controllers/workspace/x.test.ts', 'integrations/mcp/server.ts', 'sdk/typescript/src/client.ts', 'vitest.config.ts']) {
      expect(layeringViolation(edge(from, 'cmd/args.ts'))).toContain(`${from} imports cmd/args.ts`);
    }
  });

  it('allows cmd/ to import itself and the layers below, and test/ to import cmd/', () => {
    expect(layeringViolation(edge('cmd/commands/ports.ts', 'controllers/portbinding/ports.ts'))).toBeUndefined();
    expect(layeringViolation(edge('cmd/registry.ts', 'cmd/commands/apply.ts'))).toBeUndefined();
    expect(layeringViolation(edge('test/cli/harness.ts', 'cmd/main.ts'))).toBeUndefined();
    expect(layeringViolation(edge('server/rpc/dispatch.ts', 'apis/package-root.ts'))).toBeUndefined();
  });

  it('no file outside cmd/ and test/ imports cmd/', () => {
    const graph = importGraph(ROOT);
    // The graph sees the edges the rule is about: cmd/ down into the other layers, test/ into cmd/.
    expect(graph.some((e) => e.from === 'cmd/commands/ports.ts' && e.to === 'controllers/portbinding/ports.ts')).toBe(true);
    expect(graph.some((e) => e.from.startsWith('test/') && e.to.startsWith('cmd/'))).toBe(true);
    expect(graph.flatMap((e) => layeringViolation(e) ?? [])).toEqual([]);
  });
});
