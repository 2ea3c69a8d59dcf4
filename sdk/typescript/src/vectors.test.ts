/**
 * The shared protocol vectors (schemas/api/vectors/), read by the Go and Python SDKs' tests too, so
 * the three SDKs stay byte-compatible: the real Client's first frames (server.info, then
 * resources.get) sent to a WebSocket server on a unix socket are the vectors' bytes; every request
 * vector encodes (as the Client does) to its bytes; error frames give the vectors' stable codes;
 * stream notifications decode, and a failed stream.end gives its code.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { connect } from './client.ts';
import { fromJsonRpcError } from './errors.ts';
import { streamEndError } from './stream-caller.ts';

const dir = join(import.meta.dirname, '..', '..', '..', 'schemas', 'api', 'vectors');
const load = <T>(name: string): T => JSON.parse(readFileSync(join(dir, name), 'utf8')) as T;

interface RequestVector {
  name: string;
  id: number;
  method: string;
  params: Record<string, unknown>;
  frame: string;
}
const requests = load<{ requests: RequestVector[]; notifications: { method: string; params: unknown; frame: string }[] }>('requests.json');
const errors = load<{ errors: { name: string; frame: string; id: number | null; code: string; jsonRpcCode: number; message: string; reason?: string }[] }>('errors.json');
const responses = load<{ responses: { name: string; frame: string; id?: number; result?: unknown; batch?: { id: number; result: unknown }[] }[] }>('responses.json');
const notifications = load<{ notifications: { name: string; frame: string; method: string; stream: string; params: unknown; errorCode?: string }[] }>('notifications.json');

const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const step of cleanup) await step();
});

describe('protocol vectors', () => {
  it('the real client sends the vectors bytes for server.info and resources.get', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'sdk-vectors-'));
    const socket = join(folder, 'api.sock');
    const received: string[] = [];
    const http = createServer();
    const server = new WebSocketServer({ server: http });
    await new Promise<void>((resolve) => http.listen(socket, () => resolve()));
    cleanup.push(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await rm(folder, { recursive: true, force: true });
    });
    server.on('connection', (ws) =>
      ws.on('message', (data) => {
        const text = String(data);
        received.push(text);
        const { id, method } = JSON.parse(text) as { id: number; method: string };
        ws.send(JSON.stringify({ jsonrpc: '2.0', id, result: method === 'server.info' ? { version: 'test', methods: [] } : { kind: 'Workspace', metadata: { name: 'api' } } }));
      }),
    );
    const client = await connect({ socket, token: 't', reconnect: false });
    await client.resources.get('Workspace', 'api', { namespace: 'default' });
    client.close();
    const byName = new Map(requests.requests.map((v) => [v.method, v.frame]));
    expect(received).toEqual([byName.get('server.info'), byName.get('resources.get')]);
  });

  it('every request vector encodes to its bytes', () => {
    expect(requests.requests.length).toBeGreaterThan(0);
    for (const v of requests.requests) expect(JSON.stringify({ jsonrpc: '2.0', id: v.id, method: v.method, params: v.params }), v.name).toBe(v.frame);
    for (const v of requests.notifications) expect(JSON.stringify({ jsonrpc: '2.0', method: v.method, params: v.params })).toBe(v.frame);
  });

  it('responses decode', () => {
    for (const v of responses.responses) {
      const parsed = JSON.parse(v.frame) as unknown;
      if (v.batch !== undefined) expect((parsed as { id: number; result: unknown }[]).map(({ id, result }) => ({ id, result })), v.name).toEqual(v.batch);
      else expect(parsed, v.name).toMatchObject({ id: v.id, result: v.result });
    }
  });

  it('errors carry the stable codes', () => {
    for (const v of errors.errors) {
      const frame = JSON.parse(v.frame) as { id: number | null; error: Record<string, unknown> };
      expect(frame.id, v.name).toBe(v.id);
      const err = fromJsonRpcError(frame.error);
      expect({ code: err.code, jsonRpcCode: err.jsonRpcCode, message: err.message, reason: err.reason }, v.name).toEqual({ code: v.code, jsonRpcCode: v.jsonRpcCode, message: v.message, reason: v.reason });
    }
  });

  it('notifications decode; a failed stream.end gives its code', () => {
    for (const v of notifications.notifications) {
      const frame = JSON.parse(v.frame) as { method: string; params: { stream: string; error?: unknown } };
      expect(frame, v.name).toEqual({ jsonrpc: '2.0', method: v.method, params: v.params });
      expect(frame.params.stream).toBe(v.stream);
      if (v.errorCode !== undefined) expect(streamEndError(frame.params.error).code).toBe(v.errorCode);
    }
  });
});
