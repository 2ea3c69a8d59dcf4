// The HTTP + WebSocket server of the local Sprites API: authentication, the request log, fault
// injection, routing of the documented endpoints, and the lifecycle of the whole fake (close()).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { adminRoute } from './admin.ts';
import { prepareExec } from './exec-route.ts';
import { Faults, type Fault } from './faults.ts';
import { fsRoute } from './fs-routes.ts';
import { HttpError, intParam, readJson, sendJson } from './http-util.ts';
import { proxy } from './proxy-route.ts';
import { createCheckpoint, killSession, listCheckpoints, restoreCheckpoint } from './session-routes.ts';
import { Sprite } from './sprite.ts';
import type { FakeSprites, FakeSpritesOptions, RequestRecord } from './types.ts';

const NAME_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable' };

interface Limits {
  maxSprites: number;
  maxSessionsPerSprite: number;
  maxWriteBytes: number;
  maxJsonBytes: number;
  scrollbackBytes: number;
  maxCheckpoints: number;
}

/** Labels as sent (replacing the previous ones): a list of strings or a map of strings; 400 otherwise. */
function parseLabels(v: unknown): string[] | Record<string, string> {
  if (Array.isArray(v) && v.length <= 64 && v.every((x) => typeof x === 'string' && x.length <= 512)) return [...(v as string[])];
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const entries = Object.entries(v);
    if (entries.length <= 64 && entries.every(([k, x]) => typeof x === 'string' && k.length <= 256 && x.length <= 512)) return Object.fromEntries(entries) as Record<string, string>;
  }
  throw new HttpError(400, 'labels must be a list of strings or a map of strings (at most 64)');
}

/** Start the server. */
export async function startServer(opts: FakeSpritesOptions): Promise<FakeSprites> {
  const org = opts.org ?? 'fake-org';
  const orgId = randomBytes(3).toString('hex');
  const token = opts.token ?? `${org}/${randomBytes(6).toString('hex')}/${randomBytes(16).toString('hex')}`;
  const adminToken = `fake-admin-${randomBytes(16).toString('hex')}`;
  const ownRoot = opts.root === undefined;
  const root = opts.root ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'fake-sprites-')));
  await fs.mkdir(root, { recursive: true });
  const version = opts.spriteVersion ?? 'v0.0.1-rc46-fake';
  const limits: Limits = {
    maxSprites: opts.limits?.maxSprites ?? 50,
    maxSessionsPerSprite: opts.limits?.maxSessionsPerSprite ?? 32,
    maxWriteBytes: opts.limits?.maxBodyBytes ?? 64 * 1024 * 1024,
    maxJsonBytes: Math.min(opts.limits?.maxBodyBytes ?? 1024 * 1024, 1024 * 1024),
    scrollbackBytes: opts.limits?.scrollbackBytes ?? 256 * 1024,
    maxCheckpoints: opts.limits?.maxCheckpoints ?? 20,
  };
  const faults = new Faults();
  const timings = {
    warmMs: () => faults.wakeMs ?? opts.wake?.warmMs ?? 0,
    coldMs: () => faults.wakeMs ?? opts.wake?.coldMs ?? 50,
  };
  const sprites = new Map<string, Sprite>();
  const log: RequestRecord[] = [];
  let closed = false;

  const record = (method: string, p: string, status: number, fault?: string): void => {
    log.push({ method, path: p, status, at: Date.now(), ...(fault ? { fault } : {}) });
    if (log.length > 2000) log.shift();
    if (opts.log) process.stderr.write(`[fake-sprites] ${method} ${p} → ${status}${fault ? ` (${fault})` : ''}\n`);
  };

  const getSprite = (name: string | undefined): Sprite => {
    const s = name === undefined ? undefined : sprites.get(name);
    if (!s) throw new HttpError(404, `sprite not found: ${name ?? ''}`);
    return s;
  };

  /** Route a path: [spriteName, rest segments]. */
  const parse = (url: string): { p: string; q: URLSearchParams; seg: string[]; name?: string } => {
    const u = new URL(url, 'http://fake');
    let seg: string[];
    try {
      seg = u.pathname.split('/').filter(Boolean).map((x) => decodeURIComponent(x));
    } catch {
      seg = ['\0malformed'];
    }
    const name = seg[0] === 'v1' && seg[1] === 'sprites' ? seg[2] : undefined;
    return { p: u.pathname, q: u.searchParams, seg, name };
  };

  const faultBody = (f: Fault): { status: number; body: Record<string, unknown>; headers: Record<string, string> } => {
    if (f.kind === 'rate-limit') {
      const secs = f.retryAfterSeconds ?? 1;
      const body: Record<string, unknown> = {
        error: f.error,
        message: f.error === 'concurrent_sprite_limit_exceeded' ? 'Concurrent sprite limit exceeded' : 'Rate limit exceeded, please retry later',
        limit: 10,
        window_seconds: 60,
        current_count: 10,
        upgrade_available: false,
      };
      if (f.body) body.retry_after_seconds = secs;
      const headers: Record<string, string> = f.header
        ? { 'retry-after': String(secs), 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + secs) }
        : {};
      return { status: 429, body, headers };
    }
    return { status: f.status ?? 500, body: { error: f.message }, headers: {} };
  };

  // ---- HTTP ----
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const { p, q, seg, name } = parse(req.url ?? '/');
    res.setHeader('sprite-version', version);
    if (seg[0] === '__fake') {
      if (req.headers.authorization !== `Bearer ${adminToken}`) return sendJson(res, 401, { error: 'unauthorized (admin token)' });
      return adminRoute({ faults, fake: () => api }, method, seg, req, res).catch((err: unknown) => {
        if (err instanceof HttpError) sendJson(res, err.status, err.body);
        else sendJson(res, 500, { error: (err as Error).message });
      });
    }
    res.on('finish', () => record(method, p, res.statusCode, (res as { faultId?: string }).faultId));
    if (req.headers.authorization !== `Bearer ${token}`) {
      sendJson(res, 401, { error: 'unauthorized' });
      return;
    }
    const f = faults.take(['rate-limit', 'server-error'], method, p, name);
    if (f) {
      (res as { faultId?: string }).faultId = f.id;
      const { status, body, headers } = faultBody(f);
      req.resume();
      sendJson(res, status, body, headers);
      return;
    }
    try {
      await route(method, seg, q, req, res);
    } catch (err) {
      if (err instanceof HttpError) sendJson(res, err.status, err.body);
      else sendJson(res, 500, { error: (err as Error).message });
    }
  };

  const route = async (method: string, seg: string[], q: URLSearchParams, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    if (seg[0] === '\0malformed') throw new HttpError(400, 'malformed path encoding');
    if (seg[0] !== 'v1') throw new HttpError(404, 'not found');
    if (seg[1] === 'organization' && seg.length === 2 && method === 'GET') {
      let running = 0;
      let warm = 0;
      let cold = 0;
      for (const s of sprites.values()) {
        if (s.status === 'running') running++;
        else if (s.status === 'warm') warm++;
        else cold++;
      }
      sendJson(res, 200, { name: org, slug: org, id: orgId, url: `https://sprites.dev/${org}`, sprites: { running, warm, cold, limit: limits.maxSprites } });
      return;
    }
    if (seg[1] !== 'sprites') throw new HttpError(404, 'not found');
    if (seg.length === 2) {
      if (method === 'GET') return listSprites(q, res);
      if (method === 'POST') return createSprite(req, res);
      throw new HttpError(405, 'method not allowed');
    }
    const sprite = getSprite(seg[2]);
    const rest = seg.slice(3);
    if (rest.length === 0) {
      if (method === 'GET') return sendJson(res, 200, sprite.toJSON(orgId));
      if (method === 'PUT') return updateSprite(sprite, req, res);
      if (method === 'DELETE') {
        await deleteSprite(sprite);
        res.writeHead(204).end();
        return;
      }
      throw new HttpError(405, 'method not allowed');
    }
    if (rest[0] === 'check' && method === 'GET') return sendJson(res, 200, { status: 'ok', sprite_status: sprite.status });
    if (rest[0] === 'upgrade' && method === 'POST') return sendJson(res, 200, { status: 'ok' });
    sprite.busy++;
    try {
      await sprite.wake();
      if (rest[0] === 'fs' && rest.length === 2) return await fsRoute(sprite, rest[1] ?? '', req, res, q, limits);
      if (rest[0] === 'exec' && rest.length === 1 && method === 'GET') {
        return sendJson(res, 200, { sessions: [...sprite.sessions.values()].map((s) => s.listEntry()) });
      }
      if (rest[0] === 'exec' && rest.length === 3 && rest[2] === 'kill' && method === 'POST') return killSession(sprite, rest[1] ?? '', q, res);
      if (rest[0] === 'checkpoint' && rest.length === 1 && method === 'POST') return await createCheckpoint(sprite, req, res, limits);
      if (rest[0] === 'checkpoints' && method === 'GET' && rest.length === 1) return listCheckpoints(sprite, res);
      if (rest[0] === 'checkpoints' && method === 'GET' && rest.length === 2) {
        const c = sprite.checkpoints.find((x) => x.id === rest[1]);
        if (!c) throw new HttpError(404, `checkpoint not found: ${rest[1] ?? ''}`);
        return sendJson(res, 200, c);
      }
      if (rest[0] === 'checkpoints' && method === 'POST' && rest.length === 3 && rest[2] === 'restore') return await restoreCheckpoint(sprite, rest[1] ?? '', res);
      throw new HttpError(404, 'not found');
    } finally {
      sprite.busy--;
      sprite.touch();
    }
  };

  const listSprites = (q: URLSearchParams, res: http.ServerResponse): void => {
    const prefix = q.get('prefix') ?? '';
    const max = intParam(q, 'max_results', 50, 1, 50);
    const after = q.get('continuation_token') ? Buffer.from(q.get('continuation_token') ?? '', 'base64url').toString('utf8') : '';
    const names = [...sprites.keys()].filter((n) => n.startsWith(prefix) && n > after).sort();
    const page = names.slice(0, max);
    const hasMore = names.length > max;
    const last = page[page.length - 1];
    sendJson(res, 200, {
      // List entries: the full object plus the docs example's `org_slug` (its list items are trimmed to
      // {name, org_slug, updated_at}; the shape of list entries is uncertain, so both are given).
      sprites: page.map((n) => ({ ...sprites.get(n)?.toJSON(orgId), org_slug: org })),
      has_more: hasMore,
      next_continuation_token: hasMore && last ? Buffer.from(last).toString('base64url') : null,
    });
  };

  const createSprite = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const body = await readJson(req, limits.maxJsonBytes);
    const name = body.name;
    if (typeof name !== 'string' || !NAME_RE.test(name)) {
      throw new HttpError(400, 'invalid sprite name: lowercase letters, digits and hyphens, 1-63 characters, starting and ending with a letter or digit');
    }
    const auth = (body.url_settings as { auth?: unknown } | undefined)?.auth;
    if (body.url_settings !== undefined && (typeof body.url_settings !== 'object' || (auth !== undefined && auth !== 'sprite' && auth !== 'public'))) {
      throw new HttpError(400, 'url_settings.auth must be "sprite" or "public"');
    }
    if (sprites.has(name)) throw new HttpError(400, `sprite with name "${name}" already exists`);
    if (sprites.size >= limits.maxSprites) {
      sendJson(res, 429, { error: 'concurrent_sprite_limit_exceeded', message: 'Concurrent sprite limit exceeded', limit: limits.maxSprites, current_count: sprites.size, upgrade_available: false });
      return;
    }
    const s = new Sprite(name, org, root, timings);
    if (auth === 'public') s.urlAuth = 'public';
    if (body.labels !== undefined) s.labels = parseLabels(body.labels);
    sprites.set(name, s);
    await s.init();
    sendJson(res, 201, s.toJSON(orgId));
  };

  const updateSprite = async (s: Sprite, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const body = await readJson(req, limits.maxJsonBytes);
    const auth = (body.url_settings as { auth?: unknown } | undefined)?.auth;
    if (auth !== undefined) {
      if (auth !== 'sprite' && auth !== 'public') throw new HttpError(400, 'url_settings.auth must be "sprite" or "public"');
      s.urlAuth = auth;
    }
    if (body.clear_labels === true) s.labels = [];
    if (body.labels !== undefined && body.labels !== null) s.labels = parseLabels(body.labels);
    s.updatedAt = new Date().toISOString();
    sendJson(res, 200, s.toJSON(orgId));
  };

  const deleteSprite = async (s: Sprite): Promise<void> => {
    if (sprites.get(s.name) === s) sprites.delete(s.name);
    await s.destroy();
  };

  // ---- WebSocket ----
  const wss = new WebSocketServer({ noServer: true, maxPayload: 8 * 1024 * 1024 });

  const refuseUpgrade = (socket: Duplex, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): void => {
    const text = JSON.stringify(body);
    const head = [`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}`, 'Content-Type: application/json', `Content-Length: ${Buffer.byteLength(text)}`, `Sprite-Version: ${version}`, 'Connection: close'];
    for (const [k, v] of Object.entries(headers)) head.push(`${k}: ${v}`);
    socket.end(`${head.join('\r\n')}\r\n\r\n${text}`);
  };

  const upgrade = async (req: http.IncomingMessage, socket: Duplex, headBuf: Buffer): Promise<void> => {
    const method = req.method ?? 'GET';
    const { p, q, seg, name } = parse(req.url ?? '/');
    socket.on('error', () => undefined);
    if (req.headers.authorization !== `Bearer ${token}`) {
      record(method, p, 401);
      refuseUpgrade(socket, 401, { error: 'unauthorized' });
      return;
    }
    const f = faults.take(['rate-limit', 'server-error'], method, p, name);
    if (f) {
      const { status, body, headers } = faultBody(f);
      record(method, p, status, f.id);
      refuseUpgrade(socket, status, body, headers);
      return;
    }
    try {
      const sprite = getSprite(name);
      const rest = seg.slice(3);
      let start: (ws: WebSocket) => void;
      if (rest[0] === 'exec' && (rest.length === 1 || rest.length === 2)) {
        start = await prepareExec(sprite, rest[1] ?? q.get('id') ?? undefined, q, limits);
      } else if (rest[0] === 'proxy' && rest.length === 1) {
        start = (ws) => proxy(sprite, ws);
      } else {
        throw new HttpError(404, 'not found');
      }
      sprite.busy++;
      try {
        await sprite.wake();
      } finally {
        sprite.busy--;
      }
      if (closed) throw new HttpError(503, 'shutting down');
      wss.handleUpgrade(req, socket, headBuf, (ws) => {
        const drop = faults.take(['drop-websocket'], method, p, name);
        record(method, p, 101, drop?.id);
        if (drop) armDrop(ws, drop);
        try {
          start(ws);
        } catch (err) {
          ws.close(1011, `exec failed: ${(err as Error).message}`.slice(0, 120));
        }
      });
    } catch (err) {
      const e = err instanceof HttpError ? err : new HttpError(500, (err as Error).message);
      record(method, p, e.status);
      refuseUpgrade(socket, e.status, e.body);
    }
  };

  const armDrop = (ws: WebSocket, f: Fault): void => {
    if (f.afterBytes !== undefined) {
      let sent = 0;
      const orig = ws.send.bind(ws) as (data: unknown, ...rest: unknown[]) => void;
      (ws as { send: unknown }).send = (data: Buffer | string, ...rest: unknown[]): void => {
        if (ws.readyState !== ws.OPEN) return;
        orig(data, ...rest);
        sent += typeof data === 'string' ? Buffer.byteLength(data) : data.length;
        if (sent >= (f.afterBytes ?? 0)) ws.terminate();
      };
      return;
    }
    const t = setTimeout(() => ws.terminate(), f.afterMs ?? 0);
    ws.once('close', () => clearTimeout(t));
  };

  // ---- idle timers ----
  let idleTimer: NodeJS.Timeout | null = null;
  const { toWarmMs, toColdMs } = opts.idle ?? {};
  if (toWarmMs !== undefined || toColdMs !== undefined) {
    const tick = Math.max(20, Math.min(toWarmMs ?? Infinity, toColdMs ?? Infinity) / 4);
    idleTimer = setInterval(() => {
      for (const s of sprites.values()) {
        const idle = Date.now() - s.lastActivity;
        if (s.status === 'running' && toWarmMs !== undefined && !s.engaged && idle >= toWarmMs) {
          s.lastActivity = Date.now();
          void s.sleep('warm');
        } else if (s.status === 'warm' && toColdMs !== undefined && idle >= toColdMs) {
          void s.sleep('cold');
        }
      }
    }, tick);
    idleTimer.unref();
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: (err as Error).message });
      else res.destroy();
    });
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    upgrade(req, socket, head).catch(() => socket.destroy());
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 120_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;

  // If the test process exits without close(), its Sprites' processes must not outlive it.
  const onProcessExit = (): void => {
    for (const s of sprites.values()) s.killSync();
  };
  process.on('exit', onProcessExit);

  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    process.off('exit', onProcessExit);
    if (idleTimer) clearInterval(idleTimer);
    for (const ws of wss.clients) ws.terminate();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await Promise.all([...sprites.values()].map((s) => s.destroy().catch(() => undefined)));
    sprites.clear();
    if (ownRoot) await fs.rm(root, { recursive: true, force: true });
  };

  const api: FakeSprites = {
    url: `http://127.0.0.1:${port}`,
    token,
    adminToken,
    org,
    faults,
    sprites: () => [...sprites.values()].map((s) => s.info()),
    sprite: (n) => sprites.get(n)?.info(),
    sleep: async (n, to) => {
      const s = sprites.get(n);
      if (!s) throw new Error(`fake sprites: no sprite ${n}`);
      await s.sleep(to);
    },
    remove: async (n) => {
      const s = sprites.get(n);
      if (s) await deleteSprite(s);
    },
    requests: () => [...log],
    close,
  };
  return api;
}

