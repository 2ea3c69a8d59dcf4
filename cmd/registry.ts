/**
 * The list of `boulder` commands and how to load each one. Modules are imported only when their
 * command runs, so a command pays only for what it uses (and `--version` for nothing).
 */
import type { Command } from './command.ts';

type Loader = () => Promise<{ default: Command }>;

/** Command name → lazy module loader, in the order `boulder --help` lists them. */
export const COMMAND_LOADERS: ReadonlyMap<string, Loader> = new Map<string, Loader>([
  ['apply', () => import('./commands/apply.ts')],
  ['up', () => import('./commands/up.ts')],
  ['down', () => import('./commands/down.ts')],
  ['init', () => import('./commands/init.ts')],
  ['import', () => import('./commands/import.ts')],
  ['get', () => import('./commands/get.ts')],
  ['describe', () => import('./commands/describe.ts')],
  ['delete', () => import('./commands/delete.ts')],
  ['wait', () => import('./commands/wait.ts')],
  ['workspace', () => import('./commands/workspace.ts')],
  ['switch', () => import('./commands/switch.ts')],
  ['ports', () => import('./commands/ports.ts')],
  ['sync', () => import('./commands/sync.ts')],
  ['exec', () => import('./commands/exec.ts')],
  ['logs', () => import('./commands/logs.ts')],
  ['explain', () => import('./commands/explain.ts')],
  ['config', () => import('./commands/config.ts')],
  ['reconcile', () => import('./commands/reconcile.ts')],
  ['daemon', () => import('./commands/daemon.ts')],
  ['controller', () => import('./commands/controller.ts')],
  ['token', () => import('./commands/token.ts')],
  ['api', () => import('./commands/api.ts')],
  ['mcp', () => import('./commands/mcp.ts')],
  ['trace', () => import('./commands/trace.ts')],
  ['telemetry', () => import('./commands/telemetry.ts')],
  ['node', () => import('./commands/node.ts')],
  ['completion', async () => ({ default: (await import('./commands/completion.ts')).completionCommand(loadAllCommands) })],
  ['version', () => import('./commands/version.ts')],
]);

/** Other names of commands: alias → command name (`boulder ws` is `boulder workspace`). */
export const COMMAND_ALIASES: ReadonlyMap<string, string> = new Map([['ws', 'workspace']]);

/** Loads one command module (by name or alias); undefined for an unknown name. */
export async function loadCommand(name: string): Promise<Command | undefined> {
  const load = COMMAND_LOADERS.get(COMMAND_ALIASES.get(name) ?? name);
  return load === undefined ? undefined : (await load()).default;
}

/** Loads every command module (for help and completion). */
export async function loadAllCommands(): Promise<Command[]> {
  return Promise.all([...COMMAND_LOADERS.values()].map(async (load) => (await load()).default));
}
