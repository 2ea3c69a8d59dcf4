/**
 * The fs.* methods through the real dispatcher (params schemas from the OpenRPC document, scope
 * and workspace checks) with the embedded store and a real temp worktree; the connection is a
 * recording stand-in (its notifications are collected, optionally slowly, as a socket would take them).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ResourceClient } from '../../../apis/client/types.ts';
import { openEmbeddedStore } from '../../../apis/store/embedded-store.ts';
import type { Workspace } from '../../../apis/types/index.ts';
import { createProviderRegistry } from '../../../controllers/providers/registry.ts';
import { Dispatcher } from '../../rpc/dispatcher.ts';
import { ApiError, type Principal, type Scope } from '../../rpc/method.ts';
import { compileParamsValidators, loadOpenRpc } from '../../rpc/openrpc.ts';
import { ApiStats } from '../../rpc/stats.ts';
import { createStreamRegistry } from '../../rpc/streams.ts';
import { filesMethods } from './methods.ts';

let dir: string;
let worktree: string;
let client: ResourceClient;
let dispatcher: Dispatcher;
let notes: { method: string; params: Record<string, unknown> }[];
let notifyDelayMs: number;
let closed: AbortController;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fs-methods-'));
  worktree = join(dir, 'wt');
  mkdirSync(join(worktree, 'src'), { recursive: true });
  writeFileSync(join(worktree, 'src', 'app.ts'), 'app');
  mkdirSync(join(dir, 'outside'));
  writeFileSync(join(dir, 'outside', 'secret'), 'secret');
  symlinkSync(join(dir, 'outside'), join(worktree, 'out'));
  client = await openEmbeddedStore({ path: join(dir, 'store.db') });
  const created = await client.create<Workspace>({ apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name: 'api', namespace: 'default' }, spec: { backend: 'mock', repository: { path: join(dir, 'repo') } } });
  await client.updateStatus<Workspace>({ ...created, status: { worktreePath: worktree } });
  await client.create<Workspace>({ apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name: 'bare', namespace: 'default' }, spec: { backend: 'mock' } });
  const services = { client, providers: createProviderRegistry([]), stateDir: dir, logger: pino({ level: 'silent' }) };
  dispatcher = new Dispatcher(filesMethods(services), compileParamsValidators(loadOpenRpc()), services, new ApiStats());
  notes = [];
  notifyDelayMs = 0;
  closed = new AbortController();
});

afterEach(async () => {
  closed.abort();
  await client.close();
  rmSync(dir, { recursive: true, force: true });
});

const connectionId = 'c1';
function connection(): { id: string; closed: AbortSignal; streams: ReturnType<typeof createStreamRegistry> } {
  const notify = async (method: string, params: unknown): Promise<void> => {
    if (notifyDelayMs > 0) await sleep(notifyDelayMs);
    notes.push({ method, params: params as Record<string, unknown> });
  };
  return { id: connectionId, closed: closed.signal, streams: createStreamRegistry(closed.signal, notify, () => undefined) };
}
let conn: ReturnType<typeof connection>;
beforeEach(() => {
  conn = connection();
});

function call(method: string, params: Record<string, unknown>, scopes: Scope[] = ['fs:read', 'fs:write'], workspaces: Principal['workspaces'] = '*'): Promise<unknown> {
  const principal: Principal = { tokenId: 't', name: 'test', subject: 'me', scopes, workspaces };
  return dispatcher.call(method, params, {
    principal,
    signal: new AbortController().signal,
    notify: async (m, p) => {
      if (notifyDelayMs > 0) await sleep(notifyDelayMs);
      notes.push({ method: m, params: p as Record<string, unknown> });
    },
    connection: conn,
  });
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ApiError) return err.code;
    throw err;
  }
  return 'ok';
}

async function streamEnd(stream: string): Promise<void> {
  for (let i = 0; i < 500 && !notes.some((n) => n.method === 'stream.end' && n.params.stream === stream); i++) await sleep(10);
}

const sha = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

describe('fs methods through the dispatcher', () => {
  it('writes atomically, reads inline with the content hash, and honours ifMatch', async () => {
    const written = (await call('fs.write', { workspace: 'api', path: 'src/new.ts', data: Buffer.from('v1').toString('base64') })) as { sha256: string };
    expect(written.sha256).toBe(sha('v1'));
    const read = (await call('fs.read', { workspace: 'api', path: 'src/new.ts' })) as { data: string; sha256: string; size: number };
    expect(Buffer.from(read.data, 'base64').toString()).toBe('v1');
    expect(read).toMatchObject({ size: 2, sha256: sha('v1') });
    expect(await codeOf(call('fs.write', { workspace: 'api', path: 'src/new.ts', data: 'djM=', ifMatch: sha('other') }))).toBe('PreconditionFailed');
    await call('fs.write', { workspace: 'api', path: 'src/new.ts', data: 'djI=', ifMatch: read.sha256 });
    expect(readFileSync(join(worktree, 'src', 'new.ts'), 'utf8')).toBe('v2');
    expect(await codeOf(call('fs.write', { workspace: 'api', path: 'fresh.txt', data: 'eA==', ifMatch: sha('x') }))).toBe('PreconditionFailed');
    await call('fs.write', { workspace: 'api', path: 'fresh.txt', data: 'eA==', ifMatch: '' });
    expect(readdirSync(join(worktree, 'src')).sort()).toEqual(['app.ts', 'new.ts']);
  });

  it('streams a read larger than a chunk as fs.readChunk notifications (≤ 1 MiB each, the last with the hash), one at a time', async () => {
    const content = Buffer.alloc(3.5 * 1024 * 1024, 7);
    writeFileSync(join(worktree, 'big.bin'), content);
    notifyDelayMs = 5;
    const result = (await call('fs.read', { workspace: 'api', path: 'big.bin' })) as { stream: string; size: number };
    expect(result.size).toBe(content.length);
    await streamEnd(result.stream);
    const chunks = notes.filter((n) => n.method === 'fs.readChunk');
    expect(chunks.map((c) => Buffer.from(c.params.data as string, 'base64').length)).toEqual([1048576, 1048576, 1048576, 524288]);
    expect(chunks.at(-1)?.params).toMatchObject({ last: true, sha256: sha(content) });
    expect(notes.at(-1)).toEqual({ method: 'stream.end', params: { stream: result.stream } });
    // A range is read, not the whole file, and comes back inline.
    const range = (await call('fs.read', { workspace: 'api', path: 'big.bin', offset: 10, length: 5 })) as { data: string; sha256?: string };
    expect(Buffer.from(range.data, 'base64')).toEqual(Buffer.alloc(5, 7));
    expect(range.sha256).toBeUndefined();
  });

  it('uploads in chunks: in order only, committed atomically, dropped with its temp file when the connection closes', async () => {
    const { upload } = (await call('fs.writeBegin', { workspace: 'api', path: 'up/loaded.bin', createParents: true })) as { upload: string };
    await call('fs.writeChunk', { upload, offset: 0, data: Buffer.from('hello ').toString('base64') });
    expect(await codeOf(call('fs.writeChunk', { upload, offset: 0, data: 'eA==' }))).toBe('Conflict');
    await call('fs.writeChunk', { upload, offset: 6, data: Buffer.from('world').toString('base64') });
    expect(existsSync(join(worktree, 'up', 'loaded.bin'))).toBe(false);
    expect(await call('fs.writeCommit', { upload, sha256: sha('hello world') })).toEqual({ size: 11, sha256: sha('hello world') });
    expect(readFileSync(join(worktree, 'up', 'loaded.bin'), 'utf8')).toBe('hello world');
    expect(await codeOf(call('fs.writeChunk', { upload, data: 'eA==' }))).toBe('NotFound');

    const second = (await call('fs.writeBegin', { workspace: 'api', path: 'up/abandoned.bin' })) as { upload: string };
    await call('fs.writeChunk', { upload: second.upload, data: 'eA==' });
    expect(readdirSync(join(worktree, 'up')).length).toBe(2);
    closed.abort();
    await sleep(50);
    expect(readdirSync(join(worktree, 'up'))).toEqual(['loaded.bin']);
  });

  it('refuses paths out of the workspace, symlinks leading out, a workspace without files, and missing scopes', async () => {
    for (const path of ['../outside/secret', '/etc/passwd', 'out/secret', 'out']) {
      expect(await codeOf(call('fs.read', { workspace: 'api', path })), path).toBe('PathEscapesWorkspace');
      expect(await codeOf(call('fs.write', { workspace: 'api', path, data: 'eA==' })), path).toBe('PathEscapesWorkspace');
    }
    expect(await codeOf(call('fs.read', { workspace: 'bare', path: 'x' }))).toBe('Unavailable');
    expect(await codeOf(call('fs.read', { workspace: 'nope', path: 'x' }))).toBe('NotFound');
    expect(await codeOf(call('fs.write', { workspace: 'api', path: 'x', data: 'eA==' }, ['fs:read']))).toBe('Forbidden');
    expect(await codeOf(call('fs.read', { workspace: 'api', path: 'src/app.ts' }, ['fs:read'], ['other']))).toBe('Forbidden');
    expect(await codeOf(call('fs.write', { workspace: 'api', path: 'x', data: Buffer.alloc(1024 * 1024 + 1).toString('base64') }))).not.toBe('ok');
    expect(await codeOf(call('fs.read', { workspace: 'api' }))).toBe('InvalidParams');
    expect(readFileSync(join(dir, 'outside', 'secret'), 'utf8')).toBe('secret');
  });

  it('stat, list, mkdir, rename, remove', async () => {
    expect(await call('fs.stat', { workspace: 'api', path: 'out' })).toMatchObject({ type: 'symlink', target: join(dir, 'outside') });
    expect(await call('fs.stat', { workspace: 'api', path: 'src/app.ts', hash: true })).toMatchObject({ type: 'file', size: 3, sha256: sha('app') });
    await call('fs.mkdir', { workspace: 'api', path: 'a/b', parents: true });
    await call('fs.rename', { workspace: 'api', from: 'src/app.ts', to: 'a/b/app.ts' });
    expect((await call('fs.list', { workspace: 'api', path: 'a', depth: 2 })) as object).toMatchObject({ entries: [{ path: 'a/b' }, { path: 'a/b/app.ts' }], truncated: false });
    await call('fs.remove', { workspace: 'api', path: 'a', recursive: true });
    expect(existsSync(join(worktree, 'a'))).toBe(false);
  });

  it('watch: ready, then the changes below the watched directory, until cancelled', async () => {
    const { stream } = (await call('fs.watch', { workspace: 'api', path: 'src' })) as { stream: string };
    for (let i = 0; i < 200 && !notes.some((n) => n.params.kind === 'ready'); i++) await sleep(10);
    writeFileSync(join(worktree, 'src', 'changed.ts'), 'x');
    writeFileSync(join(worktree, 'elsewhere.ts'), 'x');
    for (let i = 0; i < 300 && !notes.some((n) => n.params.path === 'src/changed.ts'); i++) await sleep(10);
    expect(notes.find((n) => n.params.path === 'src/changed.ts')?.params).toMatchObject({ stream, kind: 'change', type: 'file' });
    expect(notes.some((n) => n.params.path === 'elsewhere.ts')).toBe(false);
    expect(conn.streams.cancel(stream)).toBe(true);
    await streamEnd(stream);
  });
});
