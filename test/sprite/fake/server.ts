// STUB (interface first): answers GET /v1/sprites; the endpoints follow.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FakeSprites, FakeSpritesOptions, FaultController } from './types.ts';

/** Start the server (stub). */
export async function startServer(opts: FakeSpritesOptions): Promise<FakeSprites> {
  const org = opts.org ?? 'fake-org';
  const token = opts.token ?? `${org}/${randomBytes(6).toString('hex')}/${randomBytes(16).toString('hex')}`;
  const server = http.createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'unauthorized' }));
      return;
    }
    if (req.method === 'GET' && req.url?.split('?')[0] === '/v1/sprites') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ sprites: [], has_more: false, next_continuation_token: null }));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not found' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const faults: FaultController = {
    rateLimit: () => 'stub',
    serverError: () => 'stub',
    dropWebSocket: () => 'stub',
    slowWake: () => undefined,
    remove: () => undefined,
    clear: () => undefined,
    fired: () => [],
  };
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    org,
    faults,
    sprites: () => [],
    sprite: () => undefined,
    sleep: async () => undefined,
    remove: async () => undefined,
    requests: () => [],
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
