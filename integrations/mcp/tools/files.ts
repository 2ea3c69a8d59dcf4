/**
 * File tools on a workspace's worktree (daemon `fs.*`): read (bounded), write (atomic, optionally
 * compare-and-swap) and list. Paths are relative to the workspace folder; the daemon validates them.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { McpContext } from '../context.ts';
import { guarded, ok } from '../result.ts';
import { workspaceName } from './workspaces.ts';

/** Most bytes read_file returns in one call (use offset to page on). */
export const MAX_READ_BYTES = 256 * 1024;

const path = z.string().max(4096).describe('Path relative to the workspace folder, e.g. src/app.ts (no .., not absolute)');

/** Registers read_file, write_file and list_files. */
export function registerFileTools(server: McpServer, ctx: McpContext): void {
  const fsOf = (name: string) => ctx.client.workspace(name, { namespace: ctx.namespace }).fs;

  server.registerTool(
    'read_file',
    {
      title: 'Read a file',
      description: `Reads a text file of a workspace (UTF-8), at most ${MAX_READ_BYTES} bytes per call; the answer says the file's size and sha256 (pass it to write_file's ifMatch to write only if unchanged).`,
      inputSchema: {
        workspace: workspaceName,
        path,
        offset: z.number().int().min(0).optional().describe('Byte offset to start at (default 0)'),
        length: z.number().int().min(1).max(MAX_READ_BYTES).optional().describe(`Bytes to read (default and at most ${MAX_READ_BYTES})`),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    ({ workspace, path: p, offset, length }) =>
      guarded(async () => {
        const { data, size, sha256 } = await fsOf(workspace).read(p, { offset: offset ?? 0, length: length ?? MAX_READ_BYTES });
        const end = (offset ?? 0) + data.length;
        const header = `${p}: ${size} bytes${sha256 === undefined ? '' : `, sha256 ${sha256}`}${end < size ? `; showing bytes ${offset ?? 0}-${end} (read on with offset ${end})` : ''}`;
        return { content: [{ type: 'text', text: header }, { type: 'text', text: new TextDecoder().decode(data) }] };
      }),
  );

  server.registerTool(
    'write_file',
    {
      title: 'Write a file',
      description: 'Writes a text file of a workspace (replacing it atomically; parent folders must exist unless parents is true). The change reaches the running container directly or through its file sync.',
      inputSchema: {
        workspace: workspaceName,
        path,
        content: z.string().describe('The whole new content (UTF-8)'),
        ifMatch: z.string().optional().describe("Write only if the file's current sha256 is this (from read_file); '' : only if it does not exist"),
        parents: z.boolean().optional().describe('Create missing parent folders first'),
      },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    ({ workspace, path: p, content, ifMatch, parents }) =>
      guarded(async () => {
        const fs = fsOf(workspace);
        const parent = p.split('/').slice(0, -1).join('/');
        if (parents === true && parent !== '') await fs.mkdir(parent, { parents: true });
        return ok(await fs.writeFile(p, content, ifMatch === undefined ? {} : { ifMatch }));
      }),
  );

  server.registerTool(
    'list_files',
    {
      title: 'List files',
      description: "Lists a folder of a workspace: each entry's path, type and size.",
      inputSchema: {
        workspace: workspaceName,
        path: path.optional().describe("Folder relative to the workspace folder (default '': the workspace folder)"),
        depth: z.number().int().min(1).max(5).optional().describe('Levels to descend (default 1)'),
        limit: z.number().int().min(1).max(5000).optional().describe('Most entries (default 1000)'),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    ({ workspace, path: p, depth, limit }) => guarded(async () => ok(await fsOf(workspace).list(p ?? '', { depth: depth ?? 1, limit: limit ?? 1000 }))),
  );
}
