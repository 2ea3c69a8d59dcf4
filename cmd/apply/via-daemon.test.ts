/**
 * The CLI's side of the control op `apply` against a scripted daemon on a real unix socket: when
 * it applies by itself instead (no daemon, an older daemon, a refused request, a node file), that
 * it prints what the daemon streams and returns its exit code, that Ctrl-C of a `--wait`
 * half-closes and still reads the daemon's last lines, and that it never applies twice once the
 * daemon streamed anything.
 */
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliError } from '../cli-error.ts';
import { createTestDeps, type TestDeps } from '../test-support.ts';
import type { ApplyPlan } from './steps.ts';
import { applyThroughDaemon } from './via-daemon.ts';

let deps: TestDeps;
let server: Server | undefined;
/** What the scripted daemon got: each request line, and whether the client ended its side. */
let seen: { requests: Record<string, unknown>[]; ended: boolean };

beforeEach(async () => {
  deps = await createTestDeps();
  seen = { requests: [], ended: false };
});
const sockets = new Set<Socket>();
afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  if (server !== undefined) await new Promise<void>((resolve) => server!.close(() => resolve()));
  server = undefined;
  await deps.cleanup();
});

/** A daemon on `<stateDir>/daemon.sock` that runs `script` for each request line. */
async function daemon(script: (socket: Socket, request: Record<string, unknown>) => void): Promise<void> {
  server = createServer({ allowHalfOpen: true }, (socket) => {
    let buffer = '';
    sockets.add(socket);
    socket.setEncoding('utf8');
    socket.on('error', () => undefined);
    socket.on('end', () => (seen.ended = true));
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const newline = buffer.indexOf('\n');
      if (newline < 0) return;
      const request = JSON.parse(buffer.slice(0, newline)) as Record<string, unknown>;
      buffer = buffer.slice(newline + 1);
      seen.requests.push(request);
      script(socket, request);
    });
  });
  server.listen(join(deps.stateDir, 'daemon.sock'));
  await once(server, 'listening');
}

const send = (socket: Socket, ...lines: unknown[]): void => void socket.write(lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
const SOURCES = [{ file: 'ws.yaml', text: 'kind: Workspace\n' }, { file: 'empty', text: undefined }];
const PLAN: ApplyPlan = { dryRun: false, output: undefined };

describe('apply through the daemon', () => {
  it('prints what the daemon streams, on the same streams, and returns its exit code', async () => {
    await daemon((socket) => send(socket, { out: 'workspace.nexus.dev/a created\n' }, { err: 'error: b: boom\n' }, { apply: { exitCode: 5 } }));
    expect(await applyThroughDaemon(deps, SOURCES, { ...PLAN, namespace: 'dev', output: 'name' })).toBe(5);
    expect([deps.out.text, deps.err.text]).toEqual(['workspace.nexus.dev/a created\n', 'error: b: boom\n']);
    expect(seen.requests).toEqual([
      { op: 'apply', sources: [{ name: 'ws.yaml', text: 'kind: Workspace\n' }, { name: 'empty', text: null }], cwd: deps.cwd, namespace: 'dev', dryRun: false, output: 'name', tty: false },
    ]);
  });

  it('tells the daemon about a terminal (the live view) and its width', async () => {
    await daemon((socket) => send(socket, { apply: { exitCode: 0 } }));
    Object.assign(deps.err, { isTTY: true, columns: 132 });
    expect(await applyThroughDaemon(deps, SOURCES, { ...PLAN, waitTimeoutMs: 5000 })).toBe(0);
    expect(seen.requests[0]).toMatchObject({ tty: true, columns: 132, waitTimeoutMs: 5000 });
  });

  it.each([
    ['an older daemon (UnknownOp)', { code: 'UnknownOp', error: 'unknown op "apply" (status, stop, switch)' }],
    ['a request too long for it', { code: 'RequestTooLarge', error: 'request line longer than 65536 bytes' }],
  ])('applies here, having printed nothing, after %s', async (_, reply) => {
    await daemon((socket) => send(socket, reply));
    expect(await applyThroughDaemon(deps, SOURCES, PLAN)).toBeUndefined();
    expect([deps.out.text, deps.err.text]).toEqual(['', '']);
  });

  it('applies here when no daemon listens, and without asking when a node file sets limits', async () => {
    expect(await applyThroughDaemon(deps, SOURCES, PLAN)).toBeUndefined();
    await daemon((socket) => send(socket, { apply: { exitCode: 0 } }));
    const node = join(deps.stateDir, 'node.yaml');
    await writeFile(node, 'limits:\n  max_workspaces_total: 1\n');
    expect(await applyThroughDaemon({ ...deps, env: { NEXUS_NODE_CONFIG: node } }, SOURCES, PLAN)).toBeUndefined();
    expect(seen.requests).toEqual([]);
    // A wait longer than the op carries is waited for by the CLI itself.
    expect(await applyThroughDaemon(deps, SOURCES, { ...PLAN, waitTimeoutMs: 86_400_001 })).toBeUndefined();
    expect(seen.requests).toEqual([]);
  });

  it('never applies a second time once the daemon streamed: a daemon that stops halfway is an error', async () => {
    await daemon((socket) => {
      send(socket, { out: 'workspace.nexus.dev/a created\n' });
      socket.destroy();
    });
    const failed = await applyThroughDaemon(deps, SOURCES, PLAN).catch((err: unknown) => err);
    expect(failed).toBeInstanceOf(CliError);
    expect(failed).toMatchObject({ exitCode: 7, message: expect.stringContaining('the boulder daemon stopped answering during the apply') });
    expect(deps.out.text).toBe('workspace.nexus.dev/a created\n');
  });

  it('Ctrl-C during --wait half-closes the connection and still prints the daemon\'s last lines and exit code', async () => {
    await daemon((socket) => {
      send(socket, { out: 'workspace.nexus.dev/a created\n' });
      socket.once('end', () => send(socket, { err: 'error: timed out waiting for condition=Ready on workspaces/a\n' }, { apply: { exitCode: 6 } }));
    });
    const applying = applyThroughDaemon(deps, SOURCES, { ...PLAN, waitTimeoutMs: 60_000 });
    while (deps.out.text === '') await new Promise((resolve) => setTimeout(resolve, 5));
    deps.interrupt();
    expect(await applying).toBe(6);
    expect(seen.ended).toBe(true);
    expect(deps.err.text).toBe('error: timed out waiting for condition=Ready on workspaces/a\n');
  });
});
