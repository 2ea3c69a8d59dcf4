/**
 * The daemon's control protocol: line-delimited JSON over its unix socket. A client sends one
 * request line and reads one response line.
 */
import { createConnection } from 'node:net';

/** Requests the daemon answers. */
export type DaemonRequest = { op: 'status' } | { op: 'stop' };

/** Answer to `status`. */
export interface DaemonStatus {
  pid: number;
  /** RFC 3339 time the daemon started. */
  startedAt: string;
  stateDir: string;
  version: string;
}

/** Answer to `stop`: the daemon acknowledges, then shuts down. */
export interface DaemonStopAck {
  stopping: true;
  pid: number;
}

/** What a client learns from the socket. */
export type DaemonReply =
  | { state: 'answered'; response: unknown }
  /** Nothing listens (no socket file, or a stale one: ECONNREFUSED). */
  | { state: 'absent' }
  /** Something accepted the connection but did not answer in time. */
  | { state: 'unresponsive' };

/** Sends one request to the daemon of `socketPath`. */
export function requestDaemon(socketPath: string, request: DaemonRequest, timeoutMs = 2000): Promise<DaemonReply> {
  return new Promise((resolve) => {
    const socket = createConnection(socketPath);
    let buffer = '';
    let done = false;
    const finish = (reply: DaemonReply): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(reply);
    };
    const timer = setTimeout(() => finish({ state: 'unresponsive' }), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const newline = buffer.indexOf('\n');
      if (newline < 0) return;
      try {
        finish({ state: 'answered', response: JSON.parse(buffer.slice(0, newline)) as unknown });
      } catch {
        finish({ state: 'unresponsive' });
      }
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      const absent = err.code === 'ENOENT' || err.code === 'ECONNREFUSED' || err.code === 'ENOTSOCK';
      finish(absent ? { state: 'absent' } : { state: 'unresponsive' });
    });
    socket.on('close', () => finish({ state: 'unresponsive' }));
  });
}

/** True when `value` looks like a DaemonStatus. */
export function isDaemonStatus(value: unknown): value is DaemonStatus {
  const v = value as Partial<DaemonStatus> | null;
  return typeof v === 'object' && v !== null && typeof v.pid === 'number' && typeof v.startedAt === 'string';
}

/** The running daemon's status, or undefined when none answers. */
export async function daemonStatus(socketPath: string, timeoutMs = 2000): Promise<DaemonStatus | undefined> {
  const reply = await requestDaemon(socketPath, { op: 'status' }, timeoutMs);
  return reply.state === 'answered' && isDaemonStatus(reply.response) ? reply.response : undefined;
}
