/**
 * `boulder mcp` end to end with the official MCP client: `Client` + `StdioClientTransport` from
 * @modelcontextprotocol/sdk spawn the real built `boulder mcp` in a temporary git repository whose
 * `.nexus/config.yaml` names a busybox image; it connects to a real daemon (started in the
 * background, as for `boulder up`) with a token it minted for itself, and the workspaces run on the
 * real Docker engine. Proves: the tools are listed with schemas and annotations; create_workspace
 * renders the repository (two workspaces), write_file + exec `cat` round-trips through the
 * container, switch pauses the other workspace, the status resource reads, delete_workspace removes
 * them; and a server whose token lacks `exec` answers exec with an isError result naming the scope
 * (and the command did not run). Fails, never skips.
 */
import { rm } from 'node:fs/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BIN, ensureBuilt, processAlive, runBoulder, tempStateDir } from '../cli/harness.ts';
import { managedObjects, newRepo, removeObjects, removeRepos, requireEngine, runNamespace } from './workspace-harness.ts';

const BUSYBOX = 'boulder-test/busybox:latest';
const NS = runNamespace('mcp');
const FIRST = 'mcp-one';
const SECOND = 'mcp-two';
let stateDir: string;
let repo: string;
const clients: Client[] = [];

/** The environment of every boulder process: no machine configuration, no inherited token. */
function env(): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NEXUS_NODE_CONFIG: '', NEXUS_USER_CONFIG: '', BOULDER_TOKEN: '', BOULDER_SYNC_HELPER_IMAGE: BUSYBOX, ...(process.env.DOCKER_HOST === undefined ? {} : { DOCKER_HOST: process.env.DOCKER_HOST }) };
}

/** Spawns `boulder mcp` (with extra flags) and connects the official client to it over stdio. */
async function mcpClient(extra: string[]): Promise<Client> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, '--state-dir', stateDir, 'mcp', '-n', NS, ...extra], cwd: repo, env: env(), stderr: 'inherit' });
  const client = new Client({ name: 'boulder-mcp-test', version: '1.0.0' });
  await client.connect(transport);
  clients.push(client);
  return client;
}

/** Calls a tool; returns its result with the text of its content joined. */
async function call(client: Client, name: string, args: Record<string, unknown>): Promise<{ isError: boolean; text: string }> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  return { isError: result.isError === true, text: result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n') };
}

/** Calls a tool that must succeed; returns its JSON answer. */
async function callOk(client: Client, name: string, args: Record<string, unknown>): Promise<unknown> {
  const { isError, text } = await call(client, name, args);
  if (isError) throw new Error(`${name} failed: ${text}`);
  return JSON.parse(text);
}

async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await read();
    if (ok(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await sleep(250);
  }
}

let engineReady: Promise<void> | undefined;
beforeEach(async () => {
  engineReady ??= requireEngine([BUSYBOX]);
  await engineReady;
});

beforeAll(async () => {
  await ensureBuilt();
  stateDir = await tempStateDir();
  repo = newRepo({ '.nexus/config.yaml': `workspace:\n  name: ${FIRST}\n  image: ${BUSYBOX}\nbackend: docker\n`, 'hello.txt': 'hello\n' });
}, 120_000);

afterAll(async () => {
  for (const client of clients) await client.close().catch(() => undefined);
  if (stateDir !== undefined) {
    const status = JSON.parse((await runBoulder(['--state-dir', stateDir, 'daemon', 'status', '-o', 'json'])).stdout || '{}') as { pid?: number };
    await runBoulder(['--state-dir', stateDir, 'delete', 'ws', FIRST, SECOND, '-n', NS, '--wait', '--timeout', '60s', '--ignore-not-found'], { env: env() });
    await runBoulder(['--state-dir', stateDir, 'daemon', 'stop', '--timeout', '20s']);
    if (status.pid !== undefined && processAlive(status.pid)) process.kill(status.pid, 'SIGKILL');
    await rm(stateDir, { recursive: true, force: true });
  }
  await removeObjects(await managedObjects(NS).catch(() => []));
  removeRepos();
}, 120_000);

describe('boulder mcp with the official MCP client', () => {
  it('lists tools, creates workspaces, writes a file and cats it, switches, reads status, deletes', async () => {
    const client = await mcpClient([]);
    const { tools } = await client.listTools();
    const byName = new Map(tools.map((t) => [t.name, t]));
    for (const name of ['list_workspaces', 'create_workspace', 'start_workspace', 'stop_workspace', 'switch_workspace', 'delete_workspace', 'exec', 'read_file', 'write_file', 'list_files', 'ports', 'sync_status', 'describe']) expect(byName.has(name), name).toBe(true);
    expect(byName.get('delete_workspace')?.annotations).toMatchObject({ destructiveHint: true });
    expect(byName.get('list_workspaces')?.annotations).toMatchObject({ readOnlyHint: true });
    expect(byName.get('exec')?.inputSchema).toMatchObject({ type: 'object', required: expect.arrayContaining(['workspace', 'command']) });

    expect(await callOk(client, 'create_workspace', {})).toEqual({ applied: [`Workspace/${FIRST} created`] });
    expect(await callOk(client, 'create_workspace', { name: SECOND })).toEqual({ applied: [`Workspace/${SECOND} created`] });
    for (const name of [FIRST, SECOND]) await eventually(() => callOk(client, 'get_workspace', { name }) as Promise<{ ready?: string }>, (ws) => ws.ready === 'True', 150_000, `${name} Ready`);

    await callOk(client, 'write_file', { workspace: FIRST, path: 'notes/from-mcp.txt', content: 'written over MCP\n', parents: true });
    expect((await call(client, 'read_file', { workspace: FIRST, path: 'notes/from-mcp.txt' })).text).toContain('written over MCP\n');
    const catted = await eventually(() => call(client, 'exec', { workspace: FIRST, command: ['cat', 'notes/from-mcp.txt'], timeoutSeconds: 30 }), (r) => r.text.startsWith('exit code 0'), 30_000, 'exec cat');
    expect(catted).toEqual({ isError: false, text: 'exit code 0\n--- stdout ---\nwritten over MCP\n\n--- stderr ---\n' });
    const listed = (await callOk(client, 'list_files', { workspace: FIRST, path: 'notes' })) as { entries: { path: string }[] };
    expect(listed.entries.map((e) => e.path)).toEqual(['notes/from-mcp.txt']);

    expect(await callOk(client, 'switch_workspace', { name: SECOND })).toMatchObject({ name: SECOND, paused: [FIRST] });
    const workspaces = (await callOk(client, 'list_workspaces', {})) as { name: string; state: string }[];
    expect(Object.fromEntries(workspaces.map((w) => [w.name, w.state]))).toEqual({ [FIRST]: 'Paused', [SECOND]: 'Running' });
    const status = await client.readResource({ uri: `boulder://workspace/${SECOND}/status` });
    expect(JSON.parse((status.contents[0] as { text: string }).text)).toMatchObject({ name: SECOND, state: 'Running' });

    // A server whose token lacks exec (and fs:write): a clear isError result naming the scope, and nothing ran.
    const limited = await mcpClient(['--scope', 'resources:read', '--scope', 'fs:read', '--name', 'mcp-no-exec']);
    const refused = await call(limited, 'exec', { workspace: SECOND, command: ['touch', 'ran-without-exec'] });
    expect(refused.isError).toBe(true);
    expect(refused.text).toMatch(/^Forbidden: token "mcp-no-exec" lacks scope exec \(needed by exec\.start\) — this MCP server's token does not allow it/);
    expect(await call(limited, 'write_file', { workspace: SECOND, path: 'x.txt', content: 'x' })).toMatchObject({ isError: true, text: expect.stringContaining('lacks scope fs:write') });
    const rootFiles = (await callOk(limited, 'list_files', { workspace: SECOND })) as { entries: { path: string }[] };
    expect(rootFiles.entries.map((e) => e.path)).not.toContain('ran-without-exec');
    expect(rootFiles.entries.map((e) => e.path)).not.toContain('x.txt');

    for (const name of [FIRST, SECOND]) await callOk(client, 'delete_workspace', { name });
    await eventually(() => callOk(client, 'list_workspaces', {}) as Promise<unknown[]>, (list) => list.length === 0, 90_000, 'workspaces deleted');
    expect((await call(client, 'get_workspace', { name: FIRST })).text).toMatch(/^NotFound: /);
  }, 400_000);
});
