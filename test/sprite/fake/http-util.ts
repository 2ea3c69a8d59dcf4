// Small HTTP helpers of the local Sprites API: JSON replies, bounded bodies, typed route errors.
import type http from 'node:http';

/** An error a route answers with `status` and `body` (the documented `{error, ...}` shape). */
export class HttpError extends Error {
  readonly status: number;
  readonly body: Record<string, unknown>;
  constructor(status: number, error: string, extra: Record<string, unknown> = {}) {
    super(error);
    this.status = status;
    this.body = { error, ...extra };
  }
}

/** Reply with JSON. */
export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Read the whole body, refusing more than `max` bytes with 413. */
export async function readBody(req: http.IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > max) throw new HttpError(413, `request body larger than ${max} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) throw new HttpError(413, `request body larger than ${max} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Read a JSON object body (empty body = {}); 400 on malformed JSON or a non-object. */
export async function readJson(req: http.IncomingMessage, max: number): Promise<Record<string, unknown>> {
  const buf = await readBody(req, max);
  if (buf.length === 0) return {};
  let v: unknown;
  try {
    v = JSON.parse(buf.toString('utf8'));
  } catch {
    throw new HttpError(400, 'invalid JSON body');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new HttpError(400, 'JSON body must be an object');
  return v as Record<string, unknown>;
}

/** `true`/`1` → true, `false`/`0` → false, absent → `dflt`; anything else is a 400. */
export function boolParam(q: URLSearchParams, name: string, dflt: boolean): boolean {
  const v = q.get(name);
  if (v === null || v === '') return dflt;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new HttpError(400, `invalid boolean for ${name}: ${v}`);
}

/** An integer parameter within [min, max], else 400. */
export function intParam(q: URLSearchParams, name: string, dflt: number, min: number, max: number): number {
  const v = q.get(name);
  if (v === null || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new HttpError(400, `${name} must be an integer in [${min}, ${max}]`);
  return n;
}

/** One NDJSON event line of the checkpoint/restore streams. */
export function ndjson(res: http.ServerResponse, event: Record<string, unknown>): void {
  res.write(`${JSON.stringify({ ...event, time: new Date().toISOString() })}\n`);
}
