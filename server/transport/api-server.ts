/**
 * The daemon API's listeners: a WebSocket server (`ws`) on `<state dir>/api.sock` (mode 0600, set
 * explicitly after listen; the state dir is 0700 so no other user reaches it in between) and,
 * when configured, on TCP (loopback, or TLS for any other address — apiListenSettings refuses the
 * rest). A token in `Authorization: Bearer` on the upgrade authenticates the connection at once;
 * otherwise the first call must be `auth`. Messages above `maxPayload` close the connection with
 * 1009 (Message Too Big); every 30 s a ping is sent and a connection that did not answer the
 * previous one is terminated. Every second, connections whose token expired or was revoked are
 * closed (4401), so a watch does not outlive its token.
 */
import { readFileSync, rmSync } from 'node:fs';
import { chmod } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { PRIVATE_FILE_MODE } from '../../apis/config/private-state.ts';
import type { TokenKeys } from '../auth/key-file.ts';
import type { RevocationList } from '../auth/token-records.ts';
import { verifyToken, type VerifiedToken } from '../auth/tokens.ts';
import { Connection } from '../rpc/connection.ts';
import type { Dispatcher } from '../rpc/dispatcher.ts';
import { toApiError } from '../rpc/errors.ts';
import type { ApiError } from '../rpc/method.ts';
import type { ApiStats } from '../rpc/stats.ts';
import type { ApiListenSettings } from './settings.ts';

/** Default largest accepted message: 4 MiB (a 1 MiB chunk in base64 plus its envelope fits). */
export const DEFAULT_MAX_PAYLOAD = 4 * 1024 * 1024;
/** Default unsent bytes per connection before the client counts as too slow. */
export const DEFAULT_MAX_BUFFERED = 8 * 1024 * 1024;

/** What the server needs. */
export interface ApiServerOptions {
  listen: ApiListenSettings;
  keys: TokenKeys;
  revocations: RevocationList;
  dispatcher: Dispatcher;
  stats: ApiStats;
  logger: Logger;
  maxPayload?: number;
  maxBufferedBytes?: number;
  slowClientMs?: number;
  authDeadlineMs?: number;
  pingIntervalMs?: number;
  /** A multi-user node's admission of verified tokens (NodeUsers.admit). */
  admit?: (verified: VerifiedToken) => VerifiedToken;
}

/** A running API server. */
export interface ApiServer {
  /** `unix:<path>`, `ws://host:port`, `wss://host:port`. */
  readonly addresses: string[];
  /** Closes every connection and listener. */
  close(): Promise<void>;
}

function bearerOf(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? '';
}

function listen(server: Server, target: { path: string } | { host: string; port: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(target, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * Listens on the Unix socket (mode 0600) and, when configured, on TCP (TLS with its files); returns
 * the addresses. When one cannot listen, every server made so far is closed and the error thrown.
 */
async function listenAll(listenOn: ApiServerOptions['listen'], make: (tls?: { cert: string; key: string }) => Server, servers: Server[]): Promise<string[]> {
  const addresses: string[] = [];
  try {
    rmSync(listenOn.socketPath, { force: true });
    const unix = make();
    await listen(unix, { path: listenOn.socketPath });
    await chmod(listenOn.socketPath, PRIVATE_FILE_MODE);
    addresses.push(`unix:${listenOn.socketPath}`);
    const shared = listenOn.sharedSocketPath;
    if (shared !== undefined) {
      // A multi-user node's socket every allowed user connects to: reachable by all (0666), each
      // connection proven by the user's own token.
      rmSync(shared, { force: true });
      await listen(make(), { path: shared });
      await chmod(shared, 0o666);
      addresses.push(`unix:${shared}`);
    }
    const tcp = listenOn.tcp;
    if (tcp !== undefined) {
      const server = make(tcp.tls);
      await listen(server, { host: tcp.host, port: tcp.port });
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : tcp.port;
      const host = tcp.host.includes(':') ? `[${tcp.host}]` : tcp.host;
      addresses.push(`${tcp.tls === undefined ? 'ws' : 'wss'}://${host}:${port}`);
    }
  } catch (err) {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    throw err;
  }
  return addresses;
}

/** Pings every client (ending one that did not answer the previous ping) and rechecks tokens every second; returns the stop. */
function startHousekeeping(wss: WebSocketServer, alive: WeakMap<WebSocket, boolean>, connections: ReadonlySet<Connection>, pingIntervalMs: number): () => void {
  const pinger = setInterval(() => {
    for (const ws of wss.clients) {
      if (alive.get(ws) === false) {
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
  }, pingIntervalMs);
  pinger.unref();
  // Streams of a connection whose token expires or is revoked stop within a second.
  const rechecker = setInterval(() => {
    for (const connection of connections) connection.recheckToken();
  }, 1000);
  rechecker.unref();
  return () => {
    clearInterval(pinger);
    clearInterval(rechecker);
  };
}

/**
 * The upgrade request's bearer token, verified (and admitted by a multi-user node's users): the
 * principal, or the refusal the connection is told before it closes; neither without a token.
 */
function verifyBearer(req: IncomingMessage, options: ApiServerOptions): Promise<{ verified?: VerifiedToken; refusal?: ApiError }> {
  const bearer = bearerOf(req);
  if (bearer === undefined) return Promise.resolve({});
  return verifyToken(bearer, options.keys, options.revocations)
    .then((verified) => ({ verified: options.admit === undefined ? verified : options.admit(verified) }))
    .catch((err: unknown) => ({ refusal: toApiError(err) }));
}

/** Starts the listeners; rejects when one cannot listen (address in use, unreadable TLS files). */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const { logger, stats } = options;
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayload ?? DEFAULT_MAX_PAYLOAD, perMessageDeflate: false });
  const connections = new Set<Connection>();
  const alive = new WeakMap<WebSocket, boolean>();
  let next = 0;

  const accept = (ws: WebSocket, verified: VerifiedToken | undefined, refusal: ApiError | undefined, remote: string): void => {
    const id = `c${++next}`;
    stats.connections++;
    stats.connectionsTotal++;
    alive.set(ws, true);
    ws.on('pong', () => alive.set(ws, true));
    const connection = new Connection(ws, {
      id,
      keys: options.keys,
      revocations: options.revocations,
      dispatcher: options.dispatcher,
      logger,
      ...(verified === undefined ? {} : { verified }),
      ...(options.admit === undefined ? {} : { admit: options.admit }),
      ...(refusal === undefined ? {} : { refusal }),
      authDeadlineMs: options.authDeadlineMs ?? 10_000,
      maxBufferedBytes: options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED,
      slowClientMs: options.slowClientMs ?? 30_000,
      onClose: () => {
        connections.delete(connection);
        stats.connections--;
        logger.debug({ conn: id }, 'api connection closed');
      },
    });
    connections.add(connection);
    logger.debug({ conn: id, remote, token: verified?.principal.name }, 'api connection opened');
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    const remote = req.socket.remoteAddress ?? 'unix';
    void verifyBearer(req, options).then(({ verified, refusal }) => {
      if (socket.destroyed) return;
      wss.handleUpgrade(req, socket, head, (ws) => accept(ws, verified, refusal, remote));
    });
  };

  const servers: Server[] = [];
  const make = (tls?: { cert: string; key: string }): Server => {
    const server = tls === undefined ? createHttpServer() : createHttpsServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key) });
    server.on('request', (_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' });
      res.end('the boulder daemon API speaks JSON-RPC over WebSocket\n');
    });
    server.on('upgrade', onUpgrade);
    server.on('clientError', (_err, socket) => socket.destroy());
    servers.push(server);
    return server;
  };
  const addresses = await listenAll(options.listen, make, servers);
  stats.listening = addresses;

  const stopHousekeeping = startHousekeeping(wss, alive, connections, options.pingIntervalMs ?? 30_000);

  return {
    addresses,
    async close() {
      stopHousekeeping();
      for (const connection of connections) connection.close();
      for (const ws of wss.clients) ws.terminate();
      await Promise.all(
        servers.map(
          (s) =>
            new Promise((resolve) => {
              s.close(resolve);
              s.closeAllConnections();
            }),
        ),
      );
      wss.close();
      rmSync(options.listen.socketPath, { force: true });
      if (options.listen.sharedSocketPath !== undefined) rmSync(options.listen.sharedSocketPath, { force: true });
    },
  };
}
