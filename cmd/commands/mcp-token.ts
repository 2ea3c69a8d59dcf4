/**
 * The token `boulder mcp` presents to the daemon. In order: `--token-file FILE`, `BOULDER_TOKEN`,
 * else one minted for itself from the state dir's signing key — whoever can read that key can mint
 * any token already, so a self-minted one grants nothing new, and it lets the server run with the
 * narrower scopes and workspaces of `--scope`/`--workspace` instead of full power, and editor
 * configurations (committed `.cursor/mcp.json`, the Claude Code plugin) carry no secret. There is
 * no `--token VALUE`: a token on the command line is readable by every user in `ps`. The token is
 * never printed or logged; a minted one is recorded (`boulder token list`, revocable) and re-minted
 * shortly before it expires.
 */
import { readFile } from 'node:fs/promises';
import { CliError } from '../cli-error.ts';
import type { CliDeps } from '../command.ts';
import { ExitCode } from '../exit-codes.ts';
import { SCOPES, type Scope } from '../../server/rpc/method.ts';

/** Scopes of a self-minted token without `--scope`: everything but `admin`. */
export const MCP_DEFAULT_SCOPES: Scope[] = SCOPES.filter((s) => s !== 'admin');
/** Lifetime of a self-minted token; re-minted a minute before it ends. */
export const MCP_TOKEN_TTL_MS = 8 * 60 * 60 * 1000;

/** What the user asked for. */
export interface McpTokenOptions {
  tokenFile?: string;
  scopes: string[];
  workspaces: string[];
  name: string;
}

/** Returns the token source for connect(): a fixed token, or a function that (re-)mints one. */
export async function mcpTokenSource(deps: CliDeps, options: McpTokenOptions): Promise<{ token: string | (() => Promise<string>); minted: boolean }> {
  if (options.tokenFile !== undefined) {
    const text = (await readFile(options.tokenFile, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new CliError(`cannot read --token-file ${options.tokenFile}: ${err.code ?? err.message}`, ExitCode.NotFound);
    })).trim();
    if (text === '') throw new CliError(`--token-file ${options.tokenFile} is empty`, ExitCode.Usage);
    return { token: text, minted: false };
  }
  const fromEnv = deps.env.BOULDER_TOKEN?.trim();
  if (fromEnv !== undefined && fromEnv !== '') return { token: fromEnv, minted: false };
  for (const scope of options.scopes) if (!(SCOPES as readonly string[]).includes(scope)) throw new CliError(`unknown scope "${scope}" (use ${SCOPES.join(', ')})`, ExitCode.Usage);
  const [{ loadOrCreateKeys }, { mintToken }, { appendTokenRecord }, { currentUser }] = await Promise.all([
    import('../../server/auth/key-file.ts'),
    import('../../server/auth/tokens.ts'),
    import('../../server/auth/token-records.ts'),
    import('../../apis/config/limits.ts'),
  ]);
  const keys = await loadOrCreateKeys(deps.stateDir);
  const grant = {
    name: options.name,
    subject: currentUser(deps.env),
    scopes: options.scopes.length === 0 ? MCP_DEFAULT_SCOPES : ([...new Set(options.scopes)] as Scope[]),
    workspaces: options.workspaces.length === 0 ? ('*' as const) : [...new Set(options.workspaces)],
    ttlMs: MCP_TOKEN_TTL_MS,
  };
  let current: { token: string; renewAt: number } | undefined;
  const token = async (): Promise<string> => {
    const now = deps.clock.now();
    if (current === undefined || now.getTime() >= current.renewAt) {
      const { token: minted, record } = await mintToken(keys, grant, now);
      appendTokenRecord(deps.stateDir, record);
      current = { token: minted, renewAt: Date.parse(record.expiresAt) - 60_000 };
    }
    return current.token;
  };
  await token();
  return { token, minted: true };
}
