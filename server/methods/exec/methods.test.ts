/**
 * The exec and logs methods through the real dispatcher and stream registry, against a provider
 * whose exec runs the command as a local process (real pipes, real exit codes): output
 * notifications come before `exec.exit`, stdin reaches the command, kill and a closed connection
 * end it, and a slow connection paces the output instead of buffering it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ResourceClient } from '../../../apis/client/types.ts';
import { openEmbeddedStore } from '../../../apis/store/embedded-store.ts';
import type { Workspace } from '../../../apis/types/index.ts';
import { createProviderRegistry } from '../../../controllers/providers/registry.ts';
import type { ExecOptions, ExecResult, LogsOptions, Provider } from '../../../controllers/providers/types.ts';
import { Dispatcher } from '../../rpc/dispatcher.ts';
import type { ApiError, Principal } from '../../rpc/method.ts';
import { compileParamsValidators, loadOpenRpc } from '../../rpc/openrpc.ts';
import { ApiStats } from '../../rpc/stats.ts';
import { createStreamRegistry } from '../../rpc/streams.ts';
import { logsMethods } from '../logs/methods.ts';
import { execMethods } from './methods.ts';

/** Runs commands as local processes, the way a provider streams a container's. */
const localProvider = {
  backend: 'mock',
  exec(_target, command, options: ExecOptions = {}): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(command[0] as string, command.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
      if (options.stdin !== undefined) options.stdin.pipe(child.stdin);
      else child.stdin.end();
      child.stdout.pipe(options.stdout as NodeJS.WritableStream, { end: false });
      child.stderr.pipe(options.stderr as NodeJS.WritableStream, { end: false });
      options.signal?.addEventListener('abort', () => {
        child.kill('SIGKILL');
        reject(options.signal?.reason as Error);
      });
      child.on('close', (code) => resolve({ exitCode: code ?? -1, stdout: '', stderr: '' }));
    });
  },
  logs(_target, options: LogsOptions): Promise<void> {
    options.stdout.write('log line 1\n');
    options.stderr.write('log error\n');
    return Promise.resolve();
  },
} as Provider;

let dir: string;
let client: ResourceClient;
let dispatcher: Dispatcher;
let notes: { method: string; params: Record<string, unknown> }[];
let notifyDelayMs: number;
let closed: AbortController;
let connection: { id: string; closed: AbortSignal; streams: ReturnType<typeof createStreamRegistry> };

const notify = async (method: string, params: unknown): Promise<void> => {
  if (notifyDelayMs > 0) await sleep(notifyDelayMs);
  notes.push({ method, params: params as Record<string, unknown> });
};

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'exec-methods-'));
  client = await openEmbeddedStore({ path: join(dir, 'store.db') });
  await client.create<Workspace>({ apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name: 'api', namespace: 'default' }, spec: { backend: 'mock' } });
  const services = { client, providers: createProviderRegistry([localProvider]), stateDir: dir, logger: pino({ level: 'silent' }) };
  dispatcher = new Dispatcher([...execMethods(services), ...logsMethods(services)], compileParamsValidators(loadOpenRpc()), services, new ApiStats());
  notes = [];
  notifyDelayMs = 0;
  closed = new AbortController();
  connection = { id: 'c1', closed: closed.signal, streams: createStreamRegistry(closed.signal, notify, () => undefined) };
});

afterEach(async () => {
  closed.abort();
  await client.close();
  rmSync(dir, { recursive: true, force: true });
});

function call(method: string, params: Record<string, unknown>, scopes: Principal['scopes'] = ['exec']): Promise<unknown> {
  const principal: Principal = { tokenId: 't', name: 'test', subject: 'me', scopes, workspaces: '*' };
  return dispatcher.call(method, params, { principal, signal: new AbortController().signal, notify, connection });
}

async function ended(stream: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!notes.some((n) => n.method === 'stream.end' && n.params.stream === stream)) {
    if (Date.now() > deadline) throw new Error(`stream ${stream} did not end`);
    await sleep(10);
  }
}

const output = (stream: string, fd: string): string =>
  notes
    .filter((n) => n.method === 'exec.output' && n.params.stream === stream && n.params.fd === fd)
    .map((n) => Buffer.from(n.params.data as string, 'base64').toString())
    .join('');

describe('exec methods', () => {
  it('streams stdout and stderr, then exec.exit with the exit code, then stream.end', async () => {
    const { stream } = (await call('exec.start', { workspace: 'api', command: ['sh', '-c', 'echo out; echo err >&2; exit 3'] })) as { stream: string };
    await ended(stream);
    expect(output(stream, 'stdout')).toBe('out\n');
    expect(output(stream, 'stderr')).toBe('err\n');
    const mine = notes.filter((n) => n.params.stream === stream).map((n) => n.method);
    expect(mine.slice(-2)).toEqual(['exec.exit', 'stream.end']);
    expect(notes.find((n) => n.method === 'exec.exit')?.params).toEqual({ stream, exitCode: 3 });
  });

  it('forwards exec.write to stdin until exec.closeStdin', async () => {
    const { stream } = (await call('exec.start', { workspace: 'api', command: ['cat'], stdin: true })) as { stream: string };
    await call('exec.write', { stream, data: Buffer.from('hello ').toString('base64') });
    await call('exec.write', { stream, data: Buffer.from('world').toString('base64') });
    await call('exec.closeStdin', { stream });
    await ended(stream);
    expect(output(stream, 'stdout')).toBe('hello world');
    expect(await call('exec.write', { stream, data: 'eA==' }).catch((err: ApiError) => err.code)).toBe('NotFound');
  });

  it('exec.kill ends the command: exec.exit says cancelled', async () => {
    const { stream } = (await call('exec.start', { workspace: 'api', command: ['sleep', '30'] })) as { stream: string };
    await sleep(100);
    await call('exec.kill', { stream });
    await ended(stream);
    expect(notes.find((n) => n.method === 'exec.exit')?.params).toEqual({ stream, cancelled: true });
  });

  it('a slow connection paces the output (one notification at a time), and all of it arrives', async () => {
    notifyDelayMs = 20;
    // 8 MiB of output as fast as the command can write it.
    const { stream } = (await call('exec.start', { workspace: 'api', command: ['head', '-c', String(8 * 1024 * 1024), '/dev/zero'] })) as { stream: string };
    await sleep(500);
    const sent = notes.filter((n) => n.method === 'exec.output').reduce((sum, n) => sum + Buffer.from(n.params.data as string, 'base64').length, 0);
    // In 500 ms at 20 ms per notification only a few chunks went out, and the process is not done.
    expect(sent).toBeLessThan(8 * 1024 * 1024);
    expect(notes.some((n) => n.method === 'exec.exit')).toBe(false);
    notifyDelayMs = 0;
    await ended(stream, 30_000);
    expect(output(stream, 'stdout').length).toBe(8 * 1024 * 1024);
  });

  it('refuses without the exec scope, an unknown stream, and a missing command', async () => {
    expect(await call('exec.start', { workspace: 'api', command: ['true'] }, ['fs:read']).catch((err: ApiError) => err.code)).toBe('Forbidden');
    expect(await call('exec.resize', { stream: 'nope', columns: 80, rows: 24 }).catch((err: ApiError) => err.code)).toBe('NotFound');
    expect(await call('exec.start', { workspace: 'api', command: [] }).catch((err: ApiError) => err.code)).toBe('InvalidParams');
  });

  it('logs.read streams the provider output and ends', async () => {
    const { stream } = (await call('logs.read', { workspace: 'api' })) as { stream: string };
    await ended(stream);
    const text = notes.filter((n) => n.method === 'logs.output').map((n) => `${n.params.fd as string}:${Buffer.from(n.params.data as string, 'base64').toString()}`);
    expect(text).toEqual(['stdout:log line 1\n', 'stderr:log error\n']);
  });
});
