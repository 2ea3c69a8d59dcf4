/**
 * `boulder init --editor EDITOR`: the editor's MCP configuration naming `boulder mcp`, merged into
 * the repository's file (other servers and settings kept). The server entry is defined here once;
 * integrations/cursor/.cursor/mcp.json is a copy a unit test keeps equal to it.
 */
import { CliError } from '../cli-error.ts';
import { ExitCode } from '../exit-codes.ts';

/** Editors `--editor` knows. */
export const EDITORS = ['cursor'] as const;
/** One of EDITORS. */
export type Editor = (typeof EDITORS)[number];

/** The MCP server entry every stdio-configured editor gets: no token in it (boulder mcp mints one). */
export const BOULDER_MCP_SERVER = { command: 'boulder', args: ['mcp'] };

/** Where each editor reads a project's MCP servers, relative to the repository. */
export const EDITOR_CONFIG_FILE: Record<Editor, string> = { cursor: '.cursor/mcp.json' };

/** The file's new text: `mcpServers.boulder` set (kept when present unless `force`), the rest unchanged. */
export function mergedMcpConfig(existing: string | undefined, shown: string, force: boolean): { text: string; changed: boolean } {
  let config: Record<string, unknown> = {};
  if (existing !== undefined && existing.trim() !== '') {
    try {
      config = JSON.parse(existing) as Record<string, unknown>;
    } catch (err) {
      throw new CliError(`${shown} is not valid JSON (${(err as Error).message}); fix or remove it`, ExitCode.Invalid);
    }
    if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new CliError(`${shown} must hold a JSON object`, ExitCode.Invalid);
  }
  const servers = config.mcpServers ?? {};
  if (typeof servers !== 'object' || servers === null || Array.isArray(servers)) throw new CliError(`${shown}: mcpServers must be an object`, ExitCode.Invalid);
  if ('boulder' in servers && !force) return { text: existing ?? '', changed: false };
  config.mcpServers = { ...servers, boulder: BOULDER_MCP_SERVER };
  return { text: `${JSON.stringify(config, null, 2)}\n`, changed: true };
}
