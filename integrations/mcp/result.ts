/**
 * Tool results: a value becomes JSON text content; an API error becomes an `isError` result whose
 * text says what was refused and what to do (a Forbidden names the missing scope or workspace), so
 * an agent reads why instead of a protocol error.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ApiError } from '../../sdk/typescript/src/index.ts';

/** A successful result: `text` as is, anything else as indented JSON. */
export function ok(value: unknown): CallToolResult {
  return { content: [{ type: 'text', text: typeof value === 'string' ? value : JSON.stringify(value, null, 2) }] };
}

/** What an agent should do about each refusal the daemon gives. */
const HINTS: Partial<Record<string, string>> = {
  Forbidden: "this MCP server's token does not allow it; ask the user for a token with that scope (boulder token create --scope …) or to run it themselves",
  Unauthenticated: 'the token was refused (expired or revoked); restart boulder mcp with a fresh token',
  NotFound: 'check the name with list_workspaces',
  Unavailable: 'is the daemon running (boulder daemon status)?',
};

/** The `isError` result of a failed call. */
export function toolError(err: unknown): CallToolResult {
  if (err instanceof ApiError) {
    const hint = HINTS[err.code];
    return { isError: true, content: [{ type: 'text', text: `${err.code}: ${err.message}${hint === undefined ? '' : ` — ${hint}`}` }] };
  }
  return { isError: true, content: [{ type: 'text', text: err instanceof Error ? err.message : String(err) }] };
}

/** Runs a tool body, turning what it throws into a tool error. */
export async function guarded(body: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await body();
  } catch (err) {
    return toolError(err);
  }
}
