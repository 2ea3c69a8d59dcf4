/**
 * Commands do not import each other (issue 12, item 6): what two commands share lives in a shared
 * module outside cmd/commands/ (cmd/workspace/, cmd/daemon/start.ts, cmd/apply-objects.ts, ...).
 * Outside tests, a command module (cmd/commands/<name>.ts of the registry) is imported by the
 * registry alone; a file under cmd/commands/<name>/ only by its command (or its siblings); and
 * nothing outside cmd/commands/ imports a file inside it.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { COMMAND_LOADERS } from '../../cmd/registry.ts';
import { importGraph, type ImportEdge } from './import-graph.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const COMMANDS = 'cmd/commands/';

/** Test code may import any command (it runs them). */
function isTest(file: string): boolean {
  return file.endsWith('.test.ts') || file.startsWith('test/');
}

/** The command a file under cmd/commands/ belongs to: `workspace` for cmd/commands/workspace/list.ts. */
function ownerOf(file: string): string | undefined {
  if (!file.startsWith(COMMANDS)) return undefined;
  const rest = file.slice(COMMANDS.length);
  return rest.includes('/') ? rest.slice(0, rest.indexOf('/')) : undefined;
}

/** Why an import breaks the rule, or undefined when it is allowed. */
export function commandImportViolation(edge: ImportEdge, commandModules: ReadonlySet<string>): string | undefined {
  const { from, to } = edge;
  if (isTest(from) || !to.startsWith(COMMANDS)) return undefined;
  if (commandModules.has(to)) return from === 'cmd/registry.ts' ? undefined : `${from} imports the command module ${to}`;
  if (!from.startsWith(COMMANDS)) return `${from} imports ${to}, a part of a command: shared logic belongs outside cmd/commands/`;
  const owner = ownerOf(to);
  if (owner !== undefined && from !== `${COMMANDS}${owner}.ts` && ownerOf(from) !== owner) {
    return `${from} imports ${to}, a part of the ${owner} command`;
  }
  return undefined;
}

describe('command imports', () => {
  const commandModules = new Set([...COMMAND_LOADERS.keys()].map((name) => `${COMMANDS}${name}.ts`));

  it('tells a shared module from a command imported by another', () => {
    const modules = new Set(['cmd/commands/apply.ts', 'cmd/commands/workspace.ts']);
    const edge = (from: string, to: string): ImportEdge => ({ from, to, typeOnly: false });
    expect(commandImportViolation(edge('cmd/commands/switch.ts', 'cmd/commands/apply.ts'), modules)).toContain('command module');
    expect(commandImportViolation(edge('cmd/registry.ts', 'cmd/commands/apply.ts'), modules)).toBeUndefined();
    expect(commandImportViolation(edge('cmd/commands/apply.test.ts', 'cmd/commands/apply.ts'), modules)).toBeUndefined();
    expect(commandImportViolation(edge('server/x.ts', 'cmd/commands/ports-helper.ts'), modules)).toContain('outside cmd/commands/');
    expect(commandImportViolation(edge('cmd/commands/down.ts', 'cmd/commands/workspace/destroy.ts'), modules)).toContain('workspace command');
    expect(commandImportViolation(edge('cmd/commands/workspace.ts', 'cmd/commands/workspace/destroy.ts'), modules)).toBeUndefined();
    expect(commandImportViolation(edge('cmd/commands/workspace/list.ts', 'cmd/commands/workspace/configured.ts'), modules)).toBeUndefined();
    expect(commandImportViolation(edge('cmd/commands/up.ts', 'cmd/workspace/up.ts'), modules)).toBeUndefined();
  });

  it('no command imports another; shared logic lives outside cmd/commands/', () => {
    expect(commandModules.size).toBeGreaterThan(20);
    const violations = importGraph(ROOT).flatMap((edge) => commandImportViolation(edge, commandModules) ?? []);
    expect(violations).toEqual([]);
  });
});
