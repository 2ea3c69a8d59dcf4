/**
 * Opening the target side of one forwarded TCP connection: the target's dialer when it has one
 * (a channel such as the Kubernetes API server's port-forward), else a TCP connection to its
 * address. Either way it resolves once the connection is open and rejects after a timeout. An
 * open TCP connection has reached the target; an open dialled channel may still fail (with an
 * error on the stream) when the far end cannot reach the port, see `startTcpForwarder`.
 */
import { connect, type OnReadOpts } from 'node:net';
import type { Duplex } from 'node:stream';
import { BoulderError } from '../../../apis/errors.ts';
import type { ForwardTarget } from '../contracts.ts';
import { formatEndpoint } from './endpoint.ts';

/**
 * Opens a connection to `target`; rejects with the connect error, or a Timeout after `timeoutMs`.
 * `onread` (TCP targets only) reads the target's bytes into a caller's buffer instead of 'data'
 * events (see Node's `net.connect` option).
 */
export function openUpstream(target: ForwardTarget, timeoutMs: number, onread?: OnReadOpts): Promise<Duplex> {
  if (target.dial !== undefined) return withTimeout(target.dial(target.port), target, timeoutMs);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.host, port: target.port, allowHalfOpen: true, noDelay: true, ...(onread !== undefined ? { onread } : {}) });
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      reject(timedOut(target, timeoutMs));
    });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.setTimeout(0);
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

/** `dialing`, or a Timeout error after `timeoutMs` (a connection opened later is closed). */
function withTimeout(dialing: Promise<Duplex>, target: ForwardTarget, timeoutMs: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      reject(timedOut(target, timeoutMs));
    }, timeoutMs);
    dialing.then(
      (stream) => {
        clearTimeout(timer);
        if (late) stream.destroy();
        else resolve(stream);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

function timedOut(target: ForwardTarget, timeoutMs: number): BoulderError {
  return new BoulderError('Timeout', `no connection to ${formatEndpoint(target.host, target.port)} within ${timeoutMs} ms`);
}
