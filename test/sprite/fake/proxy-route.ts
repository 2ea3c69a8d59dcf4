// The proxy WebSocket: `{host, port}` in, `{status:"connected", target}` out, then a raw TCP relay to
// the port inside the Sprite — only a port a process of that Sprite listens on, on loopback — with
// flow control both ways. A failure answers `{status:"error", error, message, target}` and closes 1011.
import net from 'node:net';
import type { WebSocket } from 'ws';
import { portsOf } from './procs.ts';
import type { Sprite } from './sprite.ts';

const MAX_PROXIES_PER_SPRITE = 256;

/** The proxy: `{host, port}` in, `{status, target}` out, then a raw TCP relay. */
export function proxy(sprite: Sprite, ws: WebSocket): void {
  if (sprite.proxies.size >= MAX_PROXIES_PER_SPRITE) {
    ws.close(1013, 'too many proxy connections');
    return;
  }
  let sock: net.Socket | null = null;
  const relay = { drop: (): void => { ws.terminate(); sock?.destroy(); } };
  sprite.proxies.add(relay);
  const done = (): void => {
    sprite.proxies.delete(relay);
    sprite.touch();
    sock?.destroy();
  };
  ws.on('close', done);
  ws.on('error', done);
  const timer = setTimeout(() => ws.close(1008, 'no proxy init message'), 10_000);
  ws.once('message', (data: Buffer, isBinary: boolean) => {
    void (async () => {
      clearTimeout(timer);
      let init: { host?: unknown; port?: unknown };
      try {
        init = isBinary ? {} : (JSON.parse(data.toString('utf8')) as typeof init);
      } catch {
        init = {};
      }
      const port = init.port;
      const host = typeof init.host === 'string' ? init.host : 'localhost';
      const target = `${host}:${String(port)}`;
      const fail = (error: string): void => {
        ws.send(JSON.stringify({ status: 'error', error, message: error, target }));
        ws.close(1011, error.slice(0, 100));
      };
      if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return fail('invalid port');
      if (!['localhost', '127.0.0.1', '::1', '0.0.0.0'].includes(host)) return fail(`host not reachable from the local Sprites API (loopback only): ${host}`);
      const listener = (await portsOf(sprite.id)).get(port);
      if (!listener) return fail(`connection refused: nothing in the sprite listens on port ${port}`);
      if (ws.readyState !== ws.OPEN) return;
      const v6 = listener.address.includes(':') && listener.address !== '::';
      let connected = false;
      sock = net.connect({ host: v6 ? '::1' : '127.0.0.1', port });
      sock.on('connect', () => {
        connected = true;
        ws.send(JSON.stringify({ status: 'connected', target }));
        ws.on('message', (d: Buffer, bin: boolean) => {
          sprite.touch();
          if (bin && sock && !sock.write(d)) {
            ws.pause();
            sock.once('drain', () => ws.resume());
          }
        });
      });
      sock.on('data', (d) => {
        sprite.touch();
        if (ws.readyState !== ws.OPEN) return;
        ws.send(d);
        if (ws.bufferedAmount > 8 * 1024 * 1024 && sock && !sock.isPaused()) {
          const s2 = sock;
          s2.pause();
          const wait = setInterval(() => {
            if (ws.readyState !== ws.OPEN || ws.bufferedAmount < 4 * 1024 * 1024) {
              clearInterval(wait);
              s2.resume();
            }
          }, 20);
          wait.unref();
        }
      });
      sock.on('error', (err) => {
        if (ws.readyState === ws.OPEN && !connected) fail(`connection failed: ${err.message}`);
        else ws.terminate();
      });
      sock.on('close', () => {
        if (ws.readyState === ws.OPEN) ws.close(1000);
      });
    })();
  });
}
