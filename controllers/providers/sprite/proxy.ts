/**
 * One TCP connection to a port inside a Sprite through the documented proxy WebSocket
 * (`WSS /v1/sprites/{name}/proxy`): the client sends `{host:"localhost", port}`, the API answers
 * with a JSON text message (`{status, target}`; a `status` other than connected/ok, or an `error`,
 * refuses), then binary messages are the raw byte stream both ways. Connecting wakes the Sprite.
 */
import { Duplex } from 'node:stream';
import type WebSocket from 'ws';
import { SpriteApiError } from './api-errors.ts';
import type { SpriteClient } from './client.ts';

/** How long the API may take to answer the proxy request (a cold Sprite wakes first). */
const HANDSHAKE_TIMEOUT_MS = 30_000;

/** Opens a connection to `port` in Sprite `sprite`; rejects with SpriteApiError when refused. */
export async function dialSpritePort(client: SpriteClient, sprite: string, port: number): Promise<Duplex> {
  const socket = await client.openSocket(`/v1/sprites/${encodeURIComponent(sprite)}/proxy`);
  const what = `proxy to port ${port} of sprite ${sprite}`;
  let early: WebSocket.RawData | undefined;
  await new Promise<void>((resolve, reject) => {
    const fail = (message: string): void => {
      clearTimeout(timer);
      socket.terminate();
      reject(new SpriteApiError('SpriteConnectionLost', `${what}: ${message}`, { transient: true }));
    };
    const timer = setTimeout(() => fail('no answer to the proxy request'), HANDSHAKE_TIMEOUT_MS);
    socket.once('message', (data, isBinary) => {
      // Hold what follows until the stream's listeners are attached (its read() resumes).
      socket.pause();
      clearTimeout(timer);
      socket.removeAllListeners('close');
      if (isBinary) {
        // No JSON answer: the relay started at once; keep the bytes.
        early = data;
        resolve();
        return;
      }
      let reply: { status?: unknown; error?: unknown; message?: unknown };
      try {
        reply = JSON.parse(String(data)) as typeof reply;
      } catch {
        fail('the proxy answered with something else than JSON');
        return;
      }
      const status = typeof reply.status === 'string' ? reply.status.toLowerCase() : undefined;
      if (reply.error !== undefined || (status !== undefined && !['connected', 'ok', 'success'].includes(status))) {
        const detail = [reply.error, reply.message, reply.status].find((x) => typeof x === 'string') as string | undefined;
        fail(`refused (${detail ?? 'unknown'})`);
        return;
      }
      resolve();
    });
    socket.once('close', () => fail('the connection closed before the proxy answered'));
    socket.resume();
    socket.send(JSON.stringify({ host: 'localhost', port }));
  });
  return socketStream(socket, early);
}

/** A Duplex over a WebSocket whose binary messages are a byte stream. */
function socketStream(socket: WebSocket, early: WebSocket.RawData | undefined): Duplex {
  const stream = new Duplex({
    write(chunk: Buffer, _encoding, callback) {
      socket.send(chunk, { binary: true }, (err) => callback(err ?? null));
    },
    final(callback) {
      socket.close();
      callback();
    },
    read() {
      socket.resume();
    },
    destroy(err, callback) {
      socket.terminate();
      callback(err);
    },
  });
  const push = (data: WebSocket.RawData): void => {
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (!stream.push(bytes)) socket.pause();
  };
  if (early !== undefined) push(early);
  socket.on('message', (data, isBinary) => {
    if (isBinary) push(data);
  });
  socket.on('close', () => stream.push(null));
  socket.on('error', (err) => stream.destroy(err));
  return stream;
}
