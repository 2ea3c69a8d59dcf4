/**
 * The client against the documented shapes themselves: a server that answers each request with a
 * fixture's documented reply (test/sprite/fixtures/, the same files the local API is checked
 * against) and records what the client sent, so a change of the client that leaves the documented
 * contract (method, path, body keys, query, WebSocket framing) or misreads a documented reply fails
 * here, independently of the local API's implementation.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { SpriteClient } from '../../controllers/providers/sprite/client.ts';
import { runInSprite } from '../../controllers/providers/sprite/run.ts';
import { dialSpritePort } from '../../controllers/providers/sprite/proxy.ts';
import {
  createCheckpoint,
  createSprite,
  deleteSprite,
  getSprite,
  killSession,
  listCheckpoints,
  listSessions,
  restoreCheckpoint,
  updateSprite,
} from '../../controllers/providers/sprite/sprites-api.ts';

interface Fixture {
  request?: { method: string; path: string; query?: Record<string, unknown>; body?: unknown };
  response?: { status: number; contentType?: string; headers?: Record<string, string>; body?: unknown; ndjson?: unknown[] };
  websocket?: { path: string; query?: Record<string, unknown>; send: unknown[]; receive: Record<string, unknown>[] };
}

const fixture = (name: string): Fixture => JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', `${name}.json`), 'utf8')) as Fixture;

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  body: string;
  authorization: string | undefined;
}

let server: Server | undefined;
afterEach(async () => {
  if (server !== undefined) await new Promise((r) => server!.close(r));
  server = undefined;
});

/** Serves `f`'s documented reply to every request; returns the client and what it sent. */
async function replay(f: Fixture): Promise<{ client: SpriteClient; seen: Seen[] }> {
  const seen: Seen[] = [];
  server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      seen.push({ method: req.method ?? '', path: url.pathname, query: url.searchParams, body, authorization: req.headers.authorization });
      const r = f.response!;
      res.writeHead(r.status, { ...(r.contentType ? { 'content-type': r.contentType } : {}), ...(r.headers ?? {}) });
      if (r.ndjson !== undefined) res.end(r.ndjson.map((l) => JSON.stringify(l)).join('\n') + '\n');
      else res.end(r.body === undefined ? '' : JSON.stringify(r.body));
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { client: new SpriteClient({ apiUrl: `http://127.0.0.1:${port}`, token: () => Promise.resolve('org/id/secret'), rateLimitRetries: 0 }), seen };
}

/** The documented path with the placeholders filled. */
const path = (f: Fixture, values: Record<string, string>): string => f.request!.path.replace(/\{(\w+)\}/g, (_, k: string) => values[k] ?? `{${k}}`);

/** Same keys with the same JSON types, recursively (arrays: against the first documented element). */
function sameShape(actual: unknown, documented: unknown): void {
  if (Array.isArray(documented)) {
    expect(Array.isArray(actual)).toBe(true);
    if (documented.length > 0) for (const item of actual as unknown[]) sameShape(item, documented[0]);
    return;
  }
  if (documented !== null && typeof documented === 'object') {
    expect(typeof actual).toBe('object');
    expect(Object.keys(actual as object).sort()).toEqual(Object.keys(documented).sort());
    for (const [k, v] of Object.entries(documented)) sameShape((actual as Record<string, unknown>)[k], v);
    return;
  }
  expect(typeof actual).toBe(typeof documented);
}

describe('the Sprites client speaks the documented API', () => {
  it('creates a Sprite with the documented body and reads the documented object', async () => {
    const f = fixture('sprites-create');
    const { client, seen } = await replay(f);
    const sprite = await createSprite(client, 'my-sprite', 'sprite');
    expect(seen[0]).toMatchObject({ method: f.request!.method, path: f.request!.path, authorization: 'Bearer org/id/secret' });
    sameShape(JSON.parse(seen[0]!.body), f.request!.body);
    expect(sprite).toMatchObject({ id: expect.stringMatching(/^sprite-/), name: 'my-sprite', status: 'cold' });
  });

  it('gets, updates labels and deletes as documented; a 404 is "no Sprite"', async () => {
    let f = fixture('sprites-get');
    let r = await replay(f);
    expect((await getSprite(r.client, 'my-sprite'))?.status).toBeDefined();
    expect(r.seen[0]).toMatchObject({ method: 'GET', path: path(f, { name: 'my-sprite' }) });
    await new Promise((res) => server!.close(res));

    f = fixture('sprites-update');
    r = await replay(f);
    const updated = await updateSprite(r.client, 'my-sprite', { labels: ['nexus.dev/workspace=web'], url_settings: { auth: 'public' } });
    expect(r.seen[0]).toMatchObject({ method: 'PUT', path: path(f, { name: 'my-sprite' }) });
    sameShape(JSON.parse(r.seen[0]!.body), f.request!.body);
    expect(updated.labels).toEqual(['nexus.dev/workspace=web']);
    await new Promise((res) => server!.close(res));

    f = fixture('sprites-delete');
    r = await replay(f);
    expect(await deleteSprite(r.client, 'my-sprite')).toBe(true);
    expect(r.seen[0]).toMatchObject({ method: 'DELETE', path: path(f, { name: 'my-sprite' }) });
    await new Promise((res) => server!.close(res));

    f = fixture('error-not-found');
    r = await replay(f);
    expect(await getSprite(r.client, 'does-not-exist')).toBeUndefined();
    expect(await deleteSprite(r.client, 'does-not-exist')).toBe(false);
  });

  it('reads the checkpoint id from the documented NDJSON, lists without Current, restores', async () => {
    let f = fixture('checkpoint-create');
    let r = await replay(f);
    const progress: string[] = [];
    expect(await createCheckpoint(r.client, 'my-sprite', 'before upgrade', (m) => progress.push(m))).toBe('v1');
    expect(r.seen[0]).toMatchObject({ method: 'POST', path: path(f, { name: 'my-sprite' }) });
    sameShape(JSON.parse(r.seen[0]!.body), f.request!.body);
    expect(progress.length).toBeGreaterThan(0);
    await new Promise((res) => server!.close(res));

    f = fixture('checkpoints-list');
    r = await replay(f);
    const listed = await listCheckpoints(r.client, 'my-sprite');
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.map((c) => c.id)).not.toContain('Current');
    expect(r.seen[0]).toMatchObject({ method: 'GET', path: path(f, { name: 'my-sprite' }) });
    await new Promise((res) => server!.close(res));

    f = fixture('checkpoint-restore');
    r = await replay(f);
    await restoreCheckpoint(r.client, 'my-sprite', 'v1');
    expect(r.seen[0]).toMatchObject({ method: 'POST', path: path(f, { name: 'my-sprite', checkpoint: 'v1' }) });
  });

  it('lists and kills exec sessions as documented', async () => {
    let f = fixture('exec-sessions-list');
    let r = await replay(f);
    const sessions = await listSessions(r.client, 'my-sprite');
    expect(sessions.length).toBeGreaterThan(0);
    expect(sessions[0]).toHaveProperty('id');
    expect(r.seen[0]).toMatchObject({ method: 'GET', path: path(f, { name: 'my-sprite' }) });
    await new Promise((res) => server!.close(res));

    f = fixture('exec-session-kill');
    r = await replay(f);
    await killSession(r.client, 'my-sprite', 1234);
    expect(r.seen[0]).toMatchObject({ method: 'POST', path: path(f, { name: 'my-sprite', session: '1234' }) });
    expect(r.seen[0]!.query.get('signal')).toBe('TERM');
  });

  it('turns the documented 429 into SpriteRateLimited with its retry_after_seconds and message', async () => {
    const { client } = await replay(fixture('error-rate-limited'));
    const error = await createSprite(client, 'x', 'sprite').catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'SpriteRateLimited', transient: true, retryAfterMs: 2000 });
    expect((error as Error).message).toContain('429 sprite_creation_rate_limited: Rate limit exceeded, please retry later');
    expect((error as Error).message).not.toContain('org/id/secret');
  });
});

describe('WebSocket framing as documented', () => {
  /** A WebSocket server that checks the upgrade and then runs `session`. */
  async function wsServer(session: (socket: WebSocket, url: URL) => void): Promise<SpriteClient> {
    server = createServer();
    const wss = new WebSocketServer({ server });
    wss.on('connection', (socket, req) => session(socket, new URL(req.url ?? '/', 'http://x')));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    return new SpriteClient({ apiUrl: `http://127.0.0.1:${port}`, token: () => Promise.resolve('t') });
  }

  it('exec: sends argv as cmd, stdin as stream 0 and its end as stream 4; reads streams 1, 2 and the exit frame', async () => {
    const f = fixture('exec-websocket').websocket!;
    const sent: unknown[] = [];
    let query: URLSearchParams | undefined;
    let pathSeen = '';
    const client = await wsServer((socket, url) => {
      query = url.searchParams;
      pathSeen = url.pathname;
      // The documented replies, sent at once with the upgrade (as a server may).
      socket.send(JSON.stringify(f.receive[0]));
      socket.on('message', (data: Buffer, isBinary) => {
        sent.push(isBinary ? { stream: data[0], text: data.subarray(1).toString() } : JSON.parse(data.toString()));
        if (isBinary && data[0] === 4) {
          for (const frame of f.receive.slice(1)) {
            const stream = frame['stream'] as number;
            const payload = stream === 3 ? Buffer.from([frame['code'] as number]) : Buffer.from(String(frame['text']));
            socket.send(Buffer.concat([Buffer.from([stream]), payload]));
          }
        }
      });
    });
    const result = await runInSprite(client, 'my-sprite', { argv: f.query!['cmd'] as string[], dir: '/home/sprite' }, {}, Buffer.from('hello\n'));
    expect(pathSeen).toBe(f.path.replace('{name}', 'my-sprite'));
    expect(query!.getAll('cmd')).toEqual(f.query!['cmd']);
    expect(query!.get('stdin')).toBe('true');
    expect(query!.get('dir')).toBe('/home/sprite');
    expect(sent).toEqual(f.send);
    expect(result).toEqual({ exitCode: 3, stdout: 'hello\n', stderr: 'oops\n' });
  });

  it('proxy: sends {host, port}, waits for the documented reply, then relays raw bytes', async () => {
    const f = fixture('proxy-websocket').websocket!;
    let init: unknown;
    const client = await wsServer((socket) => {
      socket.once('message', (data: Buffer) => {
        init = JSON.parse(data.toString());
        socket.send(JSON.stringify(f.receive[0]));
        socket.on('message', (bytes: Buffer) => socket.send(Buffer.concat([Buffer.from('echo:'), bytes])));
      });
    });
    const stream = await dialSpritePort(client, 'my-sprite', 8080);
    expect(init).toEqual({ host: 'localhost', port: 8080 });
    sameShape(init, { ...(f.send[0] as object), port: 0 });
    const reply = new Promise<string>((resolve) => stream.once('data', (c: Buffer) => resolve(c.toString())));
    stream.write('ping');
    expect(await reply).toBe('echo:ping');
    stream.destroy();
  });
});
