/**
 * `boulder mcp`: the Model Context Protocol server for editors and agents, on stdio. It connects to
 * the daemon API with the TypeScript SDK (starting the daemon when none runs on the local socket)
 * under one scoped token (mcp-token.ts), and serves integrations/mcp's tools and resources;
 * create_workspace renders the repository of the current directory as `boulder up` does. stdout
 * carries only MCP messages; diagnostics go to stderr.
 */
import { join } from 'node:path';

import { CliError, UsageError } from '../cli-error.ts';
import { defineCommand } from '../command.ts';
import { ExitCode } from '../exit-codes.ts';
import { packageVersion } from '../../apis/package-root.ts';
import { defaultNamespaceOf } from '../resources.ts';
import type { KubeObject } from '../../sdk/typescript/src/index.ts';

/** How long to wait for a freshly started daemon's API socket. */
const API_WAIT_MS = 5000;

const command = defineCommand({
  name: 'mcp',
  summary: 'Serve boulder to editors and agents over the Model Context Protocol (stdio)',
  usage: ['mcp [--token-file FILE] [--scope SCOPE]... [--workspace NAME]... [--url URL] [-n NAMESPACE]'],
  description: [
    'Runs an MCP server on stdin/stdout whose tools (list/create/start/stop/switch/delete workspaces,',
    'exec, read/write/list files, ports, sync status, describe) are daemon API calls under one token:',
    '--token-file FILE, else $BOULDER_TOKEN, else a token minted from the state dir key for this',
    'server alone, with --scope (default: every scope but admin) on --workspace (default: all), valid',
    '8h and renewed, listed by boulder token list. A refused call is a tool error naming the scope.',
    'create_workspace renders the repository of the current directory as boulder up does.',
    '',
    'Examples:',
    '  boulder mcp                                        # from an editor in your repository',
    '  boulder mcp --scope resources:read --scope fs:read # a read-only agent',
    '  BOULDER_TOKEN=$(cat ~/.agent-token) boulder mcp --url ws://127.0.0.1:7420',
  ].join('\n'),
  options: {
    'token-file': { type: 'string', valueName: 'FILE', description: 'Read the API token from FILE (else $BOULDER_TOKEN, else mint one)' },
    scope: { type: 'string', multiple: true, valueName: 'SCOPE', description: 'A scope of the self-minted token (repeatable; default all but admin)' },
    workspace: { type: 'string', multiple: true, valueName: 'NAME', description: 'A workspace the self-minted token covers (repeatable; default all)' },
    name: { type: 'string', valueName: 'NAME', description: "The self-minted token's name, as the daemon logs it (default mcp)" },
    url: { type: 'string', valueName: 'URL', description: "The daemon API's ws:// or wss:// URL (default: the state dir's api.sock)" },
  },
  async run(deps, { values, positionals }) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, 'mcp');
    const url = values.url;
    const tokenFile = values['token-file'];
    const [{ mcpTokenSource }, { connect }, { createBoulderMcpServer }, { StdioServerTransport }] = await Promise.all([
      import('./mcp-token.ts'),
      import('../../sdk/typescript/src/index.ts'),
      import('../../integrations/mcp/server.ts'),
      import('@modelcontextprotocol/sdk/server/stdio.js'),
    ]);
    const { token, minted } = await mcpTokenSource(deps, {
      ...(tokenFile === undefined ? {} : { tokenFile }),
      scopes: values.scope ?? [],
      workspaces: values.workspace ?? [],
      name: values.name ?? 'mcp',
    });
    if (url === undefined) {
      const { ensureDaemon } = await import('../daemon/background.ts');
      await ensureDaemon(deps, deps.env);
    }
    const endpoint = url === undefined ? { socket: join(deps.stateDir, 'api.sock') } : { url };
    const client = await connectWithin(() => connect({ ...endpoint, token }), API_WAIT_MS);
    const namespace = defaultNamespaceOf(values) ?? 'default';
    // stdout carries only MCP messages: anything the rendering code prints goes to stderr.
    const quiet = { ...deps, stdout: deps.stderr };
    const server = createBoulderMcpServer(
      {
        client,
        namespace,
        async render(name) {
          const { renderUp } = await import('../workspace/up.ts');
          const { source, workspaceName, objects } = await renderUp(quiet, { values: {}, positionals: [] }, name, namespace);
          // Secrets are materialized into the state dir by `boulder up` only, as the user, never over the API.
          const secrets = Object.keys(source.config.values.secrets ?? {});
          if (secrets.length > 0) throw new Error(`the configuration declares secrets (${secrets.join(', ')}); run boulder up ${workspaceName} in a terminal to create this workspace`);
          return objects as KubeObject[];
        },
      },
      packageVersion(),
    );
    const closed = new Promise<void>((resolve) => (server.server.onclose = resolve));
    await server.connect(new StdioServerTransport());
    deps.stderr.write(`boulder mcp: serving on stdio (${minted ? 'self-minted token' : 'given token'}; daemon ${url ?? endpoint.socket})\n`);
    await Promise.race([closed, new Promise<void>((resolve) => deps.interruptSignal().addEventListener('abort', () => resolve(), { once: true }))]);
    await server.close().catch(() => undefined);
    client.close();
    return ExitCode.Ok;
  },
});

/** connect(), retried while the daemon's API is not listening yet (a daemon just started). */
async function connectWithin<T>(attempt: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === 'Unauthenticated' || code === 'Forbidden') throw new CliError(`the daemon refused the token: ${(err as Error).message}`, ExitCode.Unavailable, { cause: err });
      if (Date.now() > deadline) throw new CliError(`cannot reach the daemon API: ${(err as Error).message}`, ExitCode.Unavailable, { cause: err });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

export default command;
