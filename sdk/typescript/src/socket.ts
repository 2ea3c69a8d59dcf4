/**
 * Opening the WebSocket. For a URL (`ws://`, `wss://`) the SDK uses Node's built-in WebSocket
 * (undici; Node ≥ 22), which takes an `Authorization` header through its `headers` option. Node's
 * built-in client cannot reach a unix socket (it would need an undici dispatcher, which Node does
 * not expose without the undici package), so for `socket` the SDK loads the `ws` package — an
 * optional peer dependency, needed only for unix sockets (the daemon's default listener).
 */

/** The part of the WebSocket API the client uses (met by the built-in WebSocket and by `ws`). */
export interface SocketLike {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

/** Where to connect. */
export type Endpoint = { socket: string } | { url: string };

/**
 * What the caller does with the socket's events. They are attached before the socket opens: the
 * daemon may answer the upgrade and send its first frames (a refusal and close 4401) in one TCP
 * chunk, which `ws` delivers on the next tick after `open`, before an awaiting caller resumes.
 */
export interface SocketHandlers {
  /** Called with the socket as it opens, before any of its messages. */
  onopen(socket: SocketLike): void;
  /** Every message, including those in the chunk that completed the upgrade. */
  onmessage(event: { data: unknown }): void;
  /** The close of an opened socket (a socket that never opened rejects openSocket instead). */
  onclose(event: { code: number; reason: string }): void;
}

/** Opens a socket to `endpoint` presenting `token` on the upgrade; resolves once open. */
export async function openSocket(endpoint: Endpoint, token: string, handlers: SocketHandlers): Promise<SocketLike> {
  const headers = { authorization: `Bearer ${token}` };
  let socket: SocketLike;
  if ('socket' in endpoint) {
    let ws: { WebSocket: new (url: string, options: unknown) => SocketLike };
    try {
      ws = (await import('ws')) as unknown as typeof ws;
    } catch {
      throw new Error('connecting to a unix socket needs the "ws" package (npm install ws), or connect to a ws:// URL');
    }
    socket = new ws.WebSocket(`ws+unix://${endpoint.socket}:/`, { headers, perMessageDeflate: false });
  } else {
    const Builtin = globalThis.WebSocket as unknown as new (url: string, init: unknown) => SocketLike;
    socket = new Builtin(endpoint.url, { headers });
  }
  socket.onmessage = (event) => handlers.onmessage(event);
  await new Promise<void>((resolve, reject) => {
    socket.onopen = () => {
      socket.onclose = (event) => handlers.onclose(event);
      socket.onerror = () => undefined;
      handlers.onopen(socket);
      resolve();
    };
    socket.onerror = (event) => reject(new Error(`cannot connect to the boulder daemon API at ${'socket' in endpoint ? endpoint.socket : endpoint.url}: ${String((event as { message?: unknown }).message ?? (event as { error?: { message?: unknown } }).error?.message ?? 'connection failed')}`));
    socket.onclose = (event) => reject(new Error(`the boulder daemon API closed the connection (${event.code} ${event.reason})`));
  });
  return socket;
}
