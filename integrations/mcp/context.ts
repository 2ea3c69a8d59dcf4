/** What every tool module gets: the daemon connection and how to render a new workspace. */
import type { Client, KubeObject } from '../../sdk/typescript/src/index.ts';

/** The MCP server's view of boulder. */
export interface McpContext {
  /** The daemon API connection (its token's scopes bound every call). */
  client: Client;
  /** Namespace of every call (default `default`). */
  namespace: string;
  /**
   * Renders the resources `boulder up [NAME]` would apply for the repository the server runs in;
   * undefined when the server has no repository (create_workspace then says so).
   */
  render?: (name: string | undefined) => Promise<KubeObject[]>;
}
