// A minimal client of the local Sprites API for the fake's own tests (not the provider's client):
// REST calls with the token, and exec / proxy WebSockets that collect frames.
import net from 'node:net';
import WebSocket from 'ws';
import type { FakeSprites } from './types.ts';

/** One received WebSocket frame: decoded JSON for text frames, bytes for binary ones. */
export type Frame = { text: Record<string, unknown> } | { binary: Buffer };

/** fetch against the fake with the bearer token. */
export async function api(fake: FakeSprites, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const init: RequestInit = { method, headers: { authorization: `Bearer ${fake.token}`, ...headers } };
  if (body !== undefined) {
    if (typeof body === 'string' || Buffer.isBuffer(body)) init.body = body as string;
    else {
      init.body = JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] = 'application/json';
    }
  }
  return fetch(`${fake.url}${path}`, init);
}

/** Query string with repeated keys for arrays. */
export function qs(query: Record<string, string | string[]>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) for (const x of Array.isArray(v) ? v : [v]) u.append(k, x);
  const s = u.toString();
  return s ? `?${s}` : '';
}

/** An open WebSocket with its received frames. */
export interface WsConn {
  ws: WebSocket;
  frames: Frame[];
  /** Resolves with the close code (1006 when dropped without a close frame). */
  closed: Promise<number>;
  /** Wait until `pred` holds over the frames received so far (or time out). */
  until(pred: (frames: Frame[]) => boolean, timeoutMs?: number): Promise<void>;
}

/** Open a WebSocket to `path` (e.g. `/v1/sprites/x/exec?cmd=ls`); rejects with the HTTP status on refusal. */
export function openWs(fake: FakeSprites, path: string): Promise<WsConn> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${fake.url.replace(/^http/, 'ws')}${path}`, { headers: { authorization: `Bearer ${fake.token}` } });
    const frames: Frame[] = [];
    const waiters = new Set<() => void>();
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      frames.push(isBinary ? { binary: Buffer.from(data) } : { text: JSON.parse(data.toString('utf8')) as Record<string, unknown> });
      for (const w of waiters) w();
    });
    const closed = new Promise<number>((r) => ws.on('close', (code) => {
      r(code);
      for (const w of waiters) w();
    }));
    ws.on('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}: ${Buffer.concat(chunks).toString()}`), { status: res.statusCode, headers: res.headers })));
    });
    ws.on('error', (err) => reject(err));
    ws.on('open', () =>
      resolve({
        ws,
        frames,
        closed,
        until: (pred, timeoutMs = 5000) =>
          new Promise<void>((res, rej) => {
            const check = (): void => {
              if (pred(frames)) {
                waiters.delete(check);
                clearTimeout(t);
                res();
              } else if (ws.readyState === WebSocket.CLOSED) {
                waiters.delete(check);
                clearTimeout(t);
                rej(new Error(`socket closed before the condition held; frames: ${JSON.stringify(frames.map(show))}`));
              }
            };
            const t = setTimeout(() => {
              waiters.delete(check);
              rej(new Error(`timed out; frames: ${JSON.stringify(frames.map(show))}`));
            }, timeoutMs);
            waiters.add(check);
            check();
          }),
      }),
    );
  });
}

function show(f: Frame): unknown {
  return 'text' in f ? f.text : [...f.binary.subarray(0, 1)].concat([]).join(',') + ':' + f.binary.subarray(1).toString();
}

/** Concatenated payload of non-TTY binary frames of `stream`. */
export function streamText(frames: Frame[], stream: number): string {
  return Buffer.concat(frames.flatMap((f) => ('binary' in f && f.binary[0] === stream ? [f.binary.subarray(1)] : []))).toString('utf8');
}

/** Exit code of a non-TTY exec (the [3, code] frame), or undefined. */
export function exitCode(frames: Frame[]): number | undefined {
  const f = frames.find((x) => 'binary' in x && x.binary[0] === 3);
  return f && 'binary' in f ? f.binary[1] : undefined;
}

/** Run a command without a TTY to completion: stdout, stderr, exit code, session id. */
export async function run(fake: FakeSprites, sprite: string, cmd: string[], extra: Record<string, string | string[]> = {}): Promise<{ stdout: string; stderr: string; code: number | undefined; session: number }> {
  const c = await openWs(fake, `/v1/sprites/${sprite}/exec${qs({ cmd, ...extra })}`);
  c.ws.send(Buffer.from([4]));
  await c.until((f) => exitCode(f) !== undefined, 10_000);
  const info = c.frames.find((f) => 'text' in f && f.text.type === 'session_info');
  return { stdout: streamText(c.frames, 1), stderr: streamText(c.frames, 2), code: exitCode(c.frames), session: info && 'text' in info ? Number(info.text.session_id) : -1 };
}

/** A TCP echo server (`echo:` + data) on 127.0.0.1:argv[1], announcing "listening" on stdout. */
export const ECHO_SERVER = `const net=require('net');const s=net.createServer(c=>c.on('data',d=>c.write('echo:'+d)));s.listen(Number(process.argv[1]),'127.0.0.1',()=>console.log('listening'))`;

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}
