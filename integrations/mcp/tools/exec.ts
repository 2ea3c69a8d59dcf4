/**
 * The exec tool: runs a command in a workspace's container (daemon `exec.start`, `exec` scope) with
 * a timeout — on expiry the call is cancelled and the daemon kills the process — and output bounded
 * to its last bytes, so a chatty command cannot flood the agent's context.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { McpContext } from '../context.ts';
import { guarded } from '../result.ts';
import { workspaceName } from './workspaces.ts';

/** Default and largest timeout, in seconds. */
export const EXEC_TIMEOUT_S = { default: 60, max: 600 };
/** Default and largest output kept per stream, in bytes. */
export const EXEC_OUTPUT_BYTES = { default: 32 * 1024, max: 1024 * 1024 };

/** Keeps the last `limit` bytes written to it and counts what it dropped. */
export class TailBuffer {
  private parts: Uint8Array[] = [];
  private kept = 0;
  private readonly limit: number;
  dropped = 0;
  constructor(limit: number) {
    this.limit = limit;
  }

  /** Appends a chunk, dropping the oldest bytes beyond the limit. */
  push(chunk: Uint8Array): void {
    this.parts.push(chunk);
    this.kept += chunk.length;
    while (this.kept > this.limit) {
      const first = this.parts[0] as Uint8Array;
      const excess = this.kept - this.limit;
      if (first.length <= excess) {
        this.parts.shift();
        this.kept -= first.length;
        this.dropped += first.length;
      } else {
        this.parts[0] = first.subarray(excess);
        this.kept -= excess;
        this.dropped += excess;
      }
    }
  }

  /** The kept bytes as text, preceded by a note when some were dropped. */
  text(): string {
    const body = new TextDecoder().decode(Buffer.concat(this.parts));
    return this.dropped === 0 ? body : `[… ${this.dropped} earlier bytes dropped]\n${body}`;
  }
}

/** Registers exec. */
export function registerExecTool(server: McpServer, ctx: McpContext): void {
  server.registerTool(
    'exec',
    {
      title: 'Run a command',
      description: `Runs a command in a workspace's container (as boulder exec does) and returns its exit code, stdout and stderr (each cut to its last maxOutputBytes). It is killed after timeoutSeconds (default ${EXEC_TIMEOUT_S.default}). No shell unless you ask for one: ["sh", "-c", "npm test | tail"].`,
      inputSchema: {
        workspace: workspaceName,
        command: z.array(z.string()).min(1).describe('The command and its arguments, e.g. ["npm", "test"]'),
        workdir: z.string().optional().describe('Working directory inside the container (default: the workspace folder)'),
        service: z.string().optional().describe("Run in this service's container instead (e.g. postgres)"),
        timeoutSeconds: z.number().int().min(1).max(EXEC_TIMEOUT_S.max).optional().describe(`Kill the command after this long (default ${EXEC_TIMEOUT_S.default}, at most ${EXEC_TIMEOUT_S.max})`),
        maxOutputBytes: z.number().int().min(1).max(EXEC_OUTPUT_BYTES.max).optional().describe(`Bytes kept of each of stdout and stderr (default ${EXEC_OUTPUT_BYTES.default})`),
      },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    },
    ({ workspace, command, workdir, service, timeoutSeconds, maxOutputBytes }) =>
      guarded(async () => {
        const limit = maxOutputBytes ?? EXEC_OUTPUT_BYTES.default;
        const stdout = new TailBuffer(limit);
        const stderr = new TailBuffer(limit);
        const timeoutMs = (timeoutSeconds ?? EXEC_TIMEOUT_S.default) * 1000;
        const signal = AbortSignal.timeout(timeoutMs);
        const handle = ctx.client.workspace(workspace, { namespace: ctx.namespace });
        let timedOut = false;
        let exitCode: number | undefined;
        try {
          ({ exitCode } = await handle.exec(command, { signal, onStdout: (d) => stdout.push(d), onStderr: (d) => stderr.push(d), ...(workdir === undefined ? {} : { workdir }), ...(service === undefined ? {} : { service }) }));
        } catch (err) {
          if (!signal.aborted) throw err;
          timedOut = true;
        }
        const status = timedOut ? `killed after ${timeoutMs / 1000}s (timeout)` : `exit code ${exitCode ?? 'unknown'}`;
        return {
          isError: timedOut,
          content: [{ type: 'text', text: `${status}\n--- stdout ---\n${stdout.text()}\n--- stderr ---\n${stderr.text()}` }],
        };
      }),
  );
}
