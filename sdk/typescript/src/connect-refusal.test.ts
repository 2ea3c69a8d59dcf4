/**
 * A daemon that refuses the token at the upgrade sends its error frame and close 4401 right after
 * the handshake, often in the same chunk as the upgrade response. connect() must report that
 * refusal (Unauthenticated with the daemon's reason), never a bare "not connected".
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { ApiError, connect } from './index.ts';

let dir: string;
let server: Server;
let socket: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'boulder-sdk-refusal-'));
  socket = join(dir, 'api.sock');
  server = createServer();
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => {
    // Sent synchronously after the upgrade response: the worst case for a client that attaches
    // its handlers only after awaiting the open.
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32001, message: 'the token has expired', data: { code: 'Unauthenticated', reason: 'expired' } } }));
    ws.close(4401, 'the token has expired');
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('a token refused at the upgrade', () => {
  it('rejects connect() with the daemon reason, every time', async () => {
    for (let i = 0; i < 50; i++) {
      const err = await connect({ socket, token: 'x', reconnect: false }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ApiError);
      expect(err).toMatchObject({ code: 'Unauthenticated', reason: 'expired' });
    }
  });
});
