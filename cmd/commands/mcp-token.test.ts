/** Where `boulder mcp`'s token comes from: a file, BOULDER_TOKEN, else minted (scoped, recorded, renewed). */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readTokenRecords } from '../../server/auth/token-records.ts';
import { createTestDeps, type TestDeps } from '../test-support.ts';
import { MCP_DEFAULT_SCOPES, MCP_TOKEN_TTL_MS, mcpTokenSource } from './mcp-token.ts';

let deps: TestDeps | undefined;
afterEach(async () => {
  await deps?.cleanup();
  deps = undefined;
});

function claims(token: string): { name: string; scopes: string[]; workspaces: unknown } {
  return JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString('utf8')) as { name: string; scopes: string[]; workspaces: unknown };
}

describe('mcpTokenSource', () => {
  it('a token file wins over BOULDER_TOKEN, which wins over minting', async () => {
    deps = await createTestDeps();
    const file = join(deps.stateDir, 'token');
    await writeFile(file, 'from-file\n');
    deps.env.BOULDER_TOKEN = 'from-env';
    expect(await mcpTokenSource(deps, { tokenFile: file, scopes: [], workspaces: [], name: 'mcp' })).toEqual({ token: 'from-file', minted: false });
    expect(await mcpTokenSource(deps, { scopes: [], workspaces: [], name: 'mcp' })).toEqual({ token: 'from-env', minted: false });
    expect(readTokenRecords(deps.stateDir)).toEqual([]);
  });

  it('mints a recorded token with the asked scopes (default: all but admin) and renews it before it expires', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    deps = await createTestDeps();
    deps.clock = { now: () => new Date(now) };
    const source = await mcpTokenSource(deps, { scopes: [], workspaces: [], name: 'mcp' });
    expect(source.minted).toBe(true);
    const get = source.token as () => Promise<string>;
    const first = await get();
    expect(claims(first)).toMatchObject({ name: 'mcp', scopes: MCP_DEFAULT_SCOPES, workspaces: '*' });
    expect(MCP_DEFAULT_SCOPES).not.toContain('admin');
    expect(await get()).toBe(first);
    now += MCP_TOKEN_TTL_MS - 30_000;
    expect(await get()).not.toBe(first);
    expect(readTokenRecords(deps.stateDir).map((r) => r.name)).toEqual(['mcp', 'mcp']);

    const narrow = await mcpTokenSource(deps, { scopes: ['fs:read'], workspaces: ['api'], name: 'reader' });
    expect(claims(await (narrow.token as () => Promise<string>)())).toMatchObject({ name: 'reader', scopes: ['fs:read'], workspaces: ['api'] });
  });

  it('refuses an unknown scope and an unreadable token file', async () => {
    deps = await createTestDeps();
    await expect(mcpTokenSource(deps, { scopes: ['root'], workspaces: [], name: 'mcp' })).rejects.toThrow(/unknown scope "root"/);
    await expect(mcpTokenSource(deps, { tokenFile: join(deps.stateDir, 'missing'), scopes: [], workspaces: [], name: 'mcp' })).rejects.toThrow(/cannot read --token-file .*missing: ENOENT/);
  });
});
