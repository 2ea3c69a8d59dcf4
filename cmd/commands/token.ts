/**
 * `boulder token create|list|revoke`: API tokens of the state dir's daemon. `create` signs a JWT with
 * the state dir's key (server/auth/key-file.ts; made on first use, 0600) and prints it — once: only
 * its record (id, name, scopes, workspaces, expiry; never the token) is kept, in
 * `<state dir>/api-tokens.json`. `revoke ID` marks the record revoked: the daemon refuses the token
 * from then on (it re-reads the records file), also after a restart.
 */
import { choiceOption } from '../args.ts';
import { CliError, UsageError } from '../cli-error.ts';
import { defineCommand, defineOptions, type CliDeps, type OptionValues } from '../command.ts';
import { durationFlag } from '../duration.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import { formatTable } from '../print/table.ts';
import { SCOPES, type Scope } from '../../server/rpc/method.ts';
import { CONTRIBUTOR_TYPES, type TokenContributor } from '../../server/trace/record.ts';

/** Default `--ttl`. */
export const DEFAULT_TOKEN_TTL_MS = 60 * 60 * 1000;
/** Longest `--ttl`: a year (tokens are revocable, but a bound keeps forgotten ones from living forever). */
export const MAX_TOKEN_TTL_MS = 366 * 24 * 60 * 60 * 1000;
/** Scopes of a token created without `--scope`: read resources. */
export const DEFAULT_SCOPES: Scope[] = ['resources:read'];

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const WORKSPACE_PATTERN = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The status of a record at `now`. */
function recordStatus(record: { expiresAt: string; revokedAt?: string }, now: Date): string {
  if (record.revokedAt !== undefined) return 'Revoked';
  return Date.parse(record.expiresAt) <= now.getTime() ? 'Expired' : 'Active';
}

const MODEL_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._:@-]*$/;
const TOOL_PATTERN = /^([A-Za-z0-9][A-Za-z0-9._@-]{0,99})\/([A-Za-z0-9][A-Za-z0-9.+_-]{0,63})$/;

/** The flags of `boulder token` (each subcommand uses its own). */
const TOKEN_OPTIONS = defineOptions({
  workspace: { type: 'string', multiple: true, valueName: 'NAME', description: 'create: a workspace the token covers (repeatable; default all)' },
  scope: { type: 'string', multiple: true, valueName: 'SCOPE', description: 'create: an operation the token grants (repeatable)' },
  ttl: { type: 'string', valueName: 'DURATION', description: 'create: lifetime (default 1h, at most 8784h)' },
  name: { type: 'string', valueName: 'NAME', description: 'create: a name shown in logs and token list' },
  contributor: { type: 'string', valueName: 'TYPE', description: 'create: Agent Trace contributor of the writes made with the token (ai, human, mixed)', choices: ['ai', 'human', 'mixed'] },
  'model-id': { type: 'string', valueName: 'PROVIDER/MODEL', description: 'create: model id (models.dev convention) for --contributor' },
  'conversation-url': { type: 'string', valueName: 'URL', description: 'create: URL of the conversation, for --contributor' },
  tool: { type: 'string', valueName: 'NAME/VERSION', description: 'create: the tool writing with the token, for --contributor' },
  output: { type: 'string', short: 'o', valueName: 'FORMAT', description: 'list: output format (json)', choices: ['json'] },
});

/** The Agent Trace contributor of `token create` flags (undefined without --contributor). */
function contributorFlags(values: OptionValues<typeof TOKEN_OPTIONS>): TokenContributor | undefined {
  const type = values.contributor;
  const modelId = values['model-id'];
  const url = values['conversation-url'];
  const tool = values.tool;
  if (type === undefined) {
    if (modelId !== undefined || url !== undefined || tool !== undefined) throw new UsageError('--model-id, --conversation-url and --tool need --contributor', 'token create');
    return undefined;
  }
  if (!(CONTRIBUTOR_TYPES as readonly string[]).includes(type)) throw new UsageError(`--contributor must be ${CONTRIBUTOR_TYPES.join(', ')}`, 'token create');
  if (modelId !== undefined && (modelId.length > 250 || !MODEL_ID_PATTERN.test(modelId))) throw new UsageError(`--model-id "${modelId}" is not provider/model (models.dev), at most 250 characters`, 'token create');
  if (url !== undefined && !/^[a-z][a-z0-9+.-]*:/i.test(url)) throw new UsageError('--conversation-url must be an absolute URL', 'token create');
  if (url !== undefined && !URL.canParse(url)) throw new UsageError('--conversation-url is not a valid URL', 'token create');
  const toolMatch = tool === undefined ? undefined : TOOL_PATTERN.exec(tool);
  if (tool !== undefined && (toolMatch === null || toolMatch === undefined)) throw new UsageError(`--tool "${tool}" must be NAME/VERSION`, 'token create');
  return {
    type: type as TokenContributor['type'],
    ...(modelId !== undefined ? { modelId } : {}),
    ...(url !== undefined ? { conversationUrl: url } : {}),
    ...(toolMatch ? { tool: { name: toolMatch[1] as string, version: toolMatch[2] as string } } : {}),
  };
}


/** `token create`: mints a token and keeps its record. */
async function createToken(deps: CliDeps, rest: readonly string[], values: OptionValues<typeof TOKEN_OPTIONS>): Promise<ExitCodeValue> {
  const records = await import('../../server/auth/token-records.ts');
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`, 'token create');
  const scopes = values.scope ?? [];
  for (const scope of scopes) if (!(SCOPES as readonly string[]).includes(scope)) throw new UsageError(`unknown scope "${scope}" (use ${SCOPES.join(', ')})`, 'token create');
  const workspaces = values.workspace ?? [];
  for (const ws of workspaces) if (!WORKSPACE_PATTERN.test(ws)) throw new UsageError(`--workspace "${ws}" is not a workspace name`, 'token create');
  const ttlMs = durationFlag(values.ttl, DEFAULT_TOKEN_TTL_MS, 'ttl', 'token create');
  if (ttlMs <= 0 || ttlMs > MAX_TOKEN_TTL_MS) throw new UsageError('--ttl must be more than 0 and at most 8784h (366 days)', 'token create');
  const name = values.name ?? 'token';
  if (!NAME_PATTERN.test(name)) throw new UsageError(`--name "${name}" must be 1-63 letters, digits, '.', '_' or '-'`, 'token create');
  const [{ loadOrCreateKeys }, { mintToken }, { currentUser }] = await Promise.all([import('../../server/auth/key-file.ts'), import('../../server/auth/tokens.ts'), import('../../apis/config/limits.ts')]);
  const keys = await loadOrCreateKeys(deps.stateDir);
  const contributor = contributorFlags(values);
  const grant = { name, subject: currentUser(deps.env), scopes: scopes.length === 0 ? DEFAULT_SCOPES : ([...new Set(scopes)] as Scope[]), workspaces: workspaces.length === 0 ? ('*' as const) : [...new Set(workspaces)], ttlMs, ...(contributor !== undefined ? { contributor } : {}) };
  const { token, record } = await mintToken(keys, grant, deps.clock.now());
  records.appendTokenRecord(deps.stateDir, record);
  deps.stdout.write(`${token}\n`);
  deps.stderr.write(`token ${record.id} (${name}) expires ${record.expiresAt}; scopes ${record.scopes.join(',')}; workspaces ${record.workspaces === '*' ? 'all' : record.workspaces.join(',')}${contributor !== undefined ? `; contributor ${contributor.type}` : ''}\n`);
  return ExitCode.Ok;
}

/** `token list`: the records of the tokens issued, with their status. */
async function listTokens(deps: CliDeps, rest: readonly string[], output: 'json' | undefined): Promise<ExitCodeValue> {
  const records = await import('../../server/auth/token-records.ts');
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`, 'token list');
  const now = deps.clock.now();
  const list = records.readTokenRecords(deps.stateDir);
  if (output === 'json') {
    deps.stdout.write(`${JSON.stringify(list.map((r) => ({ ...r, status: recordStatus(r, now) })), null, 2)}\n`);
  } else if (list.length === 0) {
    deps.stderr.write('No tokens issued.\n');
  } else {
    deps.stdout.write(
      formatTable(
        ['ID', 'NAME', 'SCOPES', 'WORKSPACES', 'EXPIRES', 'STATUS'],
        list.map((r) => [r.id, r.name, r.scopes.join(','), r.workspaces === '*' ? '*' : r.workspaces.join(','), r.expiresAt, recordStatus(r, now)]),
      ),
    );
  }
  return ExitCode.Ok;
}

/** `token revoke ID`: refuses the token from now on. */
async function revokeToken(deps: CliDeps, rest: readonly string[]): Promise<ExitCodeValue> {
  const records = await import('../../server/auth/token-records.ts');
  if (rest.length !== 1) throw new UsageError('name one token id to revoke (boulder token list shows them)', 'token revoke');
  const record = records.revokeTokenRecord(deps.stateDir, rest[0] as string, deps.clock.now());
  if (record === undefined) throw new CliError(`no token with id "${rest[0]}" (boulder token list shows them)`, ExitCode.NotFound);
  deps.stdout.write(`token ${record.id} (${record.name}) revoked\n`);
  return ExitCode.Ok;
}

const command = defineCommand({
  name: 'token',
  summary: 'Create, list and revoke tokens of the daemon API',
  usage: [
    'token create [--workspace NAME]... [--scope SCOPE]... [--ttl DURATION] [--name NAME]',
    '             [--contributor ai|human|mixed [--model-id PROVIDER/MODEL] [--conversation-url URL] [--tool NAME/VERSION]]',
    'token list [-o json]',
    'token revoke ID',
  ],
  description: [
    'A token is a JWT signed by the key in the state dir (Ed25519, api-key.jwk, 0600). It grants',
    `operations (--scope: ${SCOPES.join(', ')}; default resources:read; admin grants all)`,
    'on workspaces (--workspace, repeatable; default every workspace). create prints the token once;',
    'only its record is kept (boulder token list). revoke ID refuses it from then on, across restarts.',
    'With --contributor, every fs.write, fs.rename, fs.remove and exec.start made with the token is',
    'recorded as an Agent Trace record in .agent-trace/traces.jsonl of the worktree (boulder trace).',
    '',
    'Examples:',
    '  boulder token create --name agent-x --workspace api --scope fs:read --scope exec --ttl 8h',
    '  boulder token list',
    '  boulder token revoke 3f0c…',
  ].join('\n'),
  options: TOKEN_OPTIONS,
  async run(deps, { values, positionals }) {
    const [sub, ...rest] = positionals;
    if (sub === 'create') return createToken(deps, rest, values);
    if (sub === 'list') return listTokens(deps, rest, choiceOption(values, 'output', ['json'] as const, 'token'));
    if (sub === 'revoke') return revokeToken(deps, rest);
    throw new UsageError(sub === undefined ? 'name a subcommand: create, list or revoke' : `unknown token subcommand "${sub}" (use create, list or revoke)`, 'token');
  },
});

export default command;
