/** What every forwarder (TCP proxy, UDP relay) offers the pool. */
import type { ForwardTarget, PortProtocol } from '../contracts.ts';

/**
 * Traffic counters of one forwarder since it started. For UDP a "connection" is a client
 * session (one client address:port with its own upstream socket, expired when idle).
 */
export interface ForwarderStats {
  protocol: PortProtocol;
  /** Connections (sessions) open now. */
  activeConnections: number;
  /** Connections (sessions) accepted since the start. */
  totalConnections: number;
  /** Connections whose target could not be reached or failed (client closed by reset). */
  failedConnections: number;
  /** Bytes received from clients (and sent on to the target). */
  bytesFromClients: number;
  /** Bytes received from the target (and sent back to clients). */
  bytesFromTarget: number;
}

/** A running forwarder. */
export interface Forwarder {
  /** Sends new connections (TCP) / all further datagrams (UDP) to `target`; open TCP connections keep theirs. */
  retarget(target: ForwardTarget): void;
  /** Current counters. */
  stats(): ForwarderStats;
  /** Stops listening and closes every open connection; the host port is free when it resolves. */
  close(): Promise<void>;
}

/**
 * Whether one connection reached its target, reported by a TCP forwarder: `connected` at most once
 * per connection, once it is known to reach the target (a dialled channel: the target's first byte,
 * or its clean end); `failed` when it fails. A connection that fails before it was known to work
 * is reported only as `failed`; one closed by the client before either is not reported.
 */
export type UpstreamEvent = { kind: 'connected' } | { kind: 'failed'; error: Error };
