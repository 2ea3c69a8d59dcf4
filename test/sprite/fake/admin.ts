// Admin endpoints of the local Sprites API under /__fake/ (own bearer token): the in-process
// controls over HTTP, for a fake that runs in another process (main.ts). Never part of the
// documented API; the API token is not accepted here.
import type http from 'node:http';
import type { Faults } from './faults.ts';
import { HttpError, readJson, sendJson } from './http-util.ts';
import type { FakeSprites, FaultMatch } from './types.ts';

/** What the admin routes act on. */
export interface AdminDeps {
  faults: Faults;
  fake: () => FakeSprites;
}

function match(body: Record<string, unknown>): FaultMatch {
  const m: FaultMatch = {};
  if (typeof body.method === 'string') m.method = body.method;
  if (typeof body.sprite === 'string') m.sprite = body.sprite;
  if (typeof body.path === 'string') m.path = body.path;
  if (typeof body.pathRegex === 'string') {
    try {
      m.path = new RegExp(body.pathRegex);
    } catch {
      throw new HttpError(400, 'invalid pathRegex');
    }
  }
  if (body.times === null || body.times === 'Infinity') m.times = Infinity;
  else if (typeof body.times === 'number') m.times = body.times;
  return m;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/**
 * Handle `/__fake/...`: GET sprites, GET requests, GET faults (fired), POST faults
 * `{kind: rate-limit|server-error|drop-websocket, method?, path?, pathRegex?, sprite?, times?, …}`,
 * DELETE faults[/{id}], POST slow-wake `{ms}`, POST sprites/{name}/sleep `{to}`, DELETE sprites/{name}.
 */
export async function adminRoute(deps: AdminDeps, method: string, seg: string[], req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const fake = deps.fake();
  const [what, a, b] = seg.slice(1);
  if (what === 'sprites' && a === undefined && method === 'GET') return sendJson(res, 200, fake.sprites());
  if (what === 'requests' && method === 'GET') return sendJson(res, 200, fake.requests());
  if (what === 'faults' && a === undefined && method === 'GET') return sendJson(res, 200, deps.faults.fired());
  if (what === 'faults' && a === undefined && method === 'POST') {
    const body = await readJson(req, 64 * 1024);
    const m = match(body);
    let id: string;
    if (body.kind === 'rate-limit') {
      id = deps.faults.rateLimit({
        ...m,
        retryAfterSeconds: num(body.retryAfterSeconds),
        error: body.error === 'concurrent_sprite_limit_exceeded' ? 'concurrent_sprite_limit_exceeded' : undefined,
        header: typeof body.header === 'boolean' ? body.header : undefined,
        body: typeof body.body === 'boolean' ? body.body : undefined,
      });
    } else if (body.kind === 'server-error') {
      id = deps.faults.serverError({ ...m, status: num(body.status), message: typeof body.message === 'string' ? body.message : undefined });
    } else if (body.kind === 'drop-websocket') {
      id = deps.faults.dropWebSocket({ ...m, afterMs: num(body.afterMs), afterBytes: num(body.afterBytes) });
    } else {
      throw new HttpError(400, 'kind must be rate-limit, server-error or drop-websocket');
    }
    return sendJson(res, 201, { id });
  }
  if (what === 'faults' && method === 'DELETE') {
    if (a === undefined) deps.faults.clear();
    else deps.faults.remove(a);
    res.writeHead(204).end();
    return;
  }
  if (what === 'slow-wake' && method === 'POST') {
    const body = await readJson(req, 1024);
    deps.faults.slowWake(typeof body.ms === 'number' ? body.ms : null);
    res.writeHead(204).end();
    return;
  }
  if (what === 'sprites' && a !== undefined && b === 'sleep' && method === 'POST') {
    const body = await readJson(req, 1024);
    if (body.to !== 'warm' && body.to !== 'cold') throw new HttpError(400, 'to must be warm or cold');
    if (!fake.sprite(a)) throw new HttpError(404, `sprite not found: ${a}`);
    await fake.sleep(a, body.to);
    res.writeHead(204).end();
    return;
  }
  if (what === 'sprites' && a !== undefined && b === undefined && method === 'DELETE') {
    await fake.remove(a);
    res.writeHead(204).end();
    return;
  }
  throw new HttpError(404, 'no such admin endpoint');
}
