/**
 * TCP forwarder: listens on hostIP:hostPort and, for each client, connects to the target and pipes
 * both ways. `pipe` gives backpressure; half-close is passed on (a client's FIN ends the upstream
 * write side while the target may still answer); an error on either side resets both; a target
 * that refuses or times out resets the client, never the listener.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { ForwardSpec, ForwardTarget } from '../contracts.ts';
import { listenError } from './errors.ts';
import type { Forwarder, ForwarderStats } from './forwarder.ts';

/** Tuning of a TCP forwarder. */
export interface TcpForwarderOptions {
  /** Give up connecting to the target after this long (default 10 s). */
  connectTimeoutMs?: number;
}

interface Relay {
  client: Socket;
  upstream: Socket;
}

/** Starts listening for `spec`; rejects with a typed error (`PortInUseError` on EADDRINUSE). */
export async function startTcpForwarder(spec: ForwardSpec, options: TcpForwarderOptions = {}): Promise<Forwarder> {
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  let target: ForwardTarget = spec.target;
  const relays = new Set<Relay>();
  const totals = { connections: 0, failed: 0, fromClients: 0, fromTarget: 0 };

  const server = createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, (client) => {
    totals.connections += 1;
    const relay = { client, upstream: relayTo(client, target, connectTimeoutMs, () => (totals.failed += 1)) };
    relays.add(relay);
    let open = 2;
    const onClose = (): void => {
      open -= 1;
      if (open > 0) return;
      relays.delete(relay);
      totals.fromClients += relay.client.bytesRead;
      totals.fromTarget += relay.upstream.bytesRead;
    };
    relay.client.once('close', onClose);
    relay.upstream.once('close', onClose);
  });
  await listen(server, spec);

  return {
    retarget(next) {
      target = next;
    },
    stats(): ForwarderStats {
      let fromClients = totals.fromClients;
      let fromTarget = totals.fromTarget;
      for (const relay of relays) {
        fromClients += relay.client.bytesRead;
        fromTarget += relay.upstream.bytesRead;
      }
      return { protocol: 'tcp', activeConnections: relays.size, totalConnections: totals.connections, failedConnections: totals.failed, bytesFromClients: fromClients, bytesFromTarget: fromTarget };
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        for (const relay of relays) {
          relay.client.destroy();
          relay.upstream.destroy();
        }
      });
    },
  };
}

/** Connects to `target` for `client` and wires the two sockets together; returns the upstream socket. */
function relayTo(client: Socket, target: ForwardTarget, connectTimeoutMs: number, onFailure: () => void): Socket {
  client.setNoDelay(true);
  const upstream = connect({ host: target.host, port: target.port, allowHalfOpen: true, noDelay: true });
  let failed = false;
  const fail = (): void => {
    if (!failed) onFailure();
    failed = true;
    if (!client.destroyed) client.resetAndDestroy();
    if (!upstream.destroyed) upstream.resetAndDestroy();
  };
  upstream.setTimeout(connectTimeoutMs, fail);
  upstream.once('connect', () => {
    upstream.setTimeout(0);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  upstream.on('error', fail);
  client.on('error', () => {
    if (!upstream.destroyed) upstream.resetAndDestroy();
    if (!client.destroyed) client.destroy();
  });
  return upstream;
}

function listen(server: Server, spec: ForwardSpec): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(listenError(err, spec.hostIP, spec.hostPort, 'tcp'));
    server.once('error', onError);
    server.listen({ host: spec.hostIP, port: spec.hostPort, exclusive: true }, () => {
      server.off('error', onError);
      // Errors after listening (e.g. EMFILE on accept) must not crash the daemon; the listener keeps going.
      server.on('error', () => undefined);
      resolve();
    });
  });
}
