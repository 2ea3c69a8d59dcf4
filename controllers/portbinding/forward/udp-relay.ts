/**
 * UDP relay: listens on hostIP:hostPort; each client address:port gets its own upstream socket
 * (so replies find their way back), expired after a quiet period. Datagrams go to the current
 * target; replies from anything but the target's port are dropped.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIP, isIPv6 } from 'node:net';
import type { ForwardSpec, ForwardTarget } from '../contracts.ts';
import { listenError } from './errors.ts';
import type { Forwarder, ForwarderStats } from './forwarder.ts';

/** Tuning of a UDP relay. */
export interface UdpRelayOptions {
  /** Close a client's upstream socket after this long without traffic either way (default 60 s). */
  idleTimeoutMs?: number;
}

interface Session {
  upstream: Socket;
  timer: NodeJS.Timeout;
}

/** Binds `spec`'s host port; rejects with a typed error (`PortInUseError` on EADDRINUSE). */
export async function startUdpRelay(spec: ForwardSpec, options: UdpRelayOptions = {}): Promise<Forwarder> {
  const idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
  let target: ForwardTarget = spec.target;
  const sessions = new Map<string, Session>();
  const totals = { sessions: 0, failed: 0, fromClients: 0, fromTarget: 0 };
  const listener = createSocket({ type: isIPv6(spec.hostIP) ? 'udp6' : 'udp4' });
  await bind(listener, spec);
  // A send error on the listener (client gone) must not crash the daemon.
  listener.on('error', () => undefined);

  const endSession = (key: string): void => {
    const session = sessions.get(key);
    if (session === undefined) return;
    sessions.delete(key);
    clearTimeout(session.timer);
    session.upstream.close();
  };

  const openSession = (key: string, client: RemoteInfo): Session => {
    const upstream = createSocket({ type: isIPv6(target.host) ? 'udp6' : 'udp4' });
    const timer = setTimeout(() => endSession(key), idleTimeoutMs).unref();
    const session = { upstream, timer };
    upstream.on('message', (reply, from) => {
      if (from.port !== target.port || (isIP(target.host) !== 0 && from.address !== target.host)) return;
      totals.fromTarget += reply.length;
      timer.refresh();
      listener.send(reply, client.port, client.address);
    });
    upstream.on('error', () => {
      totals.failed += 1;
      endSession(key);
    });
    sessions.set(key, session);
    totals.sessions += 1;
    return session;
  };

  listener.on('message', (datagram, client) => {
    const key = `${client.address}|${client.port}`;
    const session = sessions.get(key) ?? openSession(key, client);
    totals.fromClients += datagram.length;
    session.timer.refresh();
    session.upstream.send(datagram, target.port, target.host);
  });

  return {
    retarget(next) {
      target = next;
    },
    stats(): ForwarderStats {
      return { protocol: 'udp', activeConnections: sessions.size, totalConnections: totals.sessions, failedConnections: totals.failed, bytesFromClients: totals.fromClients, bytesFromTarget: totals.fromTarget };
    },
    close() {
      for (const key of [...sessions.keys()]) endSession(key);
      return new Promise((resolve) => listener.close(() => resolve()));
    },
  };
}

function bind(socket: Socket, spec: ForwardSpec): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      try {
        socket.close();
      } catch {
        // never bound
      }
      reject(listenError(err, spec.hostIP, spec.hostPort, 'udp'));
    };
    socket.once('error', onError);
    socket.bind({ address: spec.hostIP, port: spec.hostPort, exclusive: true }, () => {
      socket.off('error', onError);
      resolve();
    });
  });
}
