/**
 * The boulder plugin for OpenCode: registers boulder's MCP server (`boulder mcp`) as the `boulder`
 * entry of the configuration's `mcp` section, so OpenCode's agents get boulder's tools — unless the
 * user's opencode.json already has a `boulder` entry, which wins (e.g. one with narrower scopes).
 */
import type { Plugin } from '@opencode-ai/plugin';

/** The MCP server entry, as opencode.json's `mcp.boulder` would hold it. */
export const BOULDER_MCP = { type: 'local', command: ['boulder', 'mcp'], enabled: true } as const;

/** The plugin: adds `mcp.boulder` to OpenCode's configuration when it is loaded. */
export const BoulderPlugin: Plugin = async () => ({
  config: async (config) => {
    config.mcp ??= {};
    config.mcp.boulder ??= { ...BOULDER_MCP, command: [...BOULDER_MCP.command] };
  },
});

export default BoulderPlugin;
