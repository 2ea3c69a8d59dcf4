/**
 * The MCP server's shape and error mapping, through the official client over an in-memory
 * transport: every tool has a description, an object input schema and annotations saying whether
 * it only reads or may destroy; a daemon refusal becomes an isError result naming the scope; exec
 * output is cut to its tail. (The real daemon and Docker round trip is test/docker/mcp.test.ts.)
 */
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { ApiError, type Client } from '../../sdk/typescript/src/index.ts';
import { createBoulderMcpServer } from './server.ts';
import { TailBuffer } from './tools/exec.ts';

const READ_ONLY = ['list_workspaces', 'get_workspace', 'read_file', 'list_files', 'ports', 'sync_status', 'describe'];
const DESTRUCTIVE = ['stop_workspace', 'switch_workspace', 'delete_workspace', 'write_file', 'exec'];

async function connected(client: Partial<Client>): Promise<McpClient> {
  const server = createBoulderMcpServer({ client: client as Client, namespace: 'default' }, '0.0.0-test');
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(a);
  const mcp = new McpClient({ name: 'unit', version: '1' });
  await mcp.connect(b);
  return mcp;
}

describe('boulder MCP server', () => {
  it('describes every tool and marks read-only and destructive ones', async () => {
    const { tools } = await (await connected({})).listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([...READ_ONLY, ...DESTRUCTIVE, 'create_workspace', 'start_workspace'].sort());
    for (const tool of tools) {
      expect(tool.description?.length, tool.name).toBeGreaterThan(30);
      expect(tool.inputSchema.type).toBe('object');
      if (READ_ONLY.includes(tool.name)) expect(tool.annotations, tool.name).toMatchObject({ readOnlyHint: true });
      else expect(tool.annotations, tool.name).toMatchObject({ readOnlyHint: false, destructiveHint: DESTRUCTIVE.includes(tool.name) });
    }
  });

  it('turns a Forbidden from the daemon into an isError result that names the scope', async () => {
    const refuse = (): Promise<never> => Promise.reject(new ApiError('Forbidden', 'token "agent" lacks scope resources:write (needed by resources.delete)', { reason: 'scope' }));
    const mcp = await connected({ resources: { delete: refuse } as unknown as Client['resources'] });
    const result = (await mcp.callTool({ name: 'delete_workspace', arguments: { name: 'api' } })) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(result.content[0]).toMatchObject({ type: 'text', text: expect.stringMatching(/^Forbidden: token "agent" lacks scope resources:write .* — this MCP server's token does not allow it/) });
  });

  it('refuses a bad workspace name before calling the daemon', async () => {
    const result = (await (await connected({})).callTool({ name: 'get_workspace', arguments: { name: '../etc' } })) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toContain('DNS label');
  });

  it('TailBuffer keeps the last bytes and says how many it dropped', () => {
    const tail = new TailBuffer(5);
    for (const piece of ['abc', 'defg', 'hi']) tail.push(new TextEncoder().encode(piece));
    expect(tail.text()).toBe('[… 4 earlier bytes dropped]\nefghi');
    expect(new TailBuffer(10).text()).toBe('');
  });
});
