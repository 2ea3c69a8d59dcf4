/** Errors of the forwarders, mapped from the errno of a failed listen/bind. */
import { BoulderError } from '../../../apis/errors.ts';
import type { PortProtocol } from '../contracts.ts';
import { formatBinding } from './endpoint.ts';

/**
 * The host port is held by another socket (EADDRINUSE). Code Unavailable (not Conflict, which the
 * runtime reserves for optimistic-concurrency retries); the controller turns it into the binding's
 * Conflict condition, naming the holder when `findPortHolder` finds it.
 */
export class PortInUseError extends BoulderError {
  readonly hostIP: string;
  readonly hostPort: number;
  readonly protocol: PortProtocol;

  constructor(hostIP: string, hostPort: number, protocol: PortProtocol, options?: { cause?: unknown }) {
    super('Unavailable', `${formatBinding(hostIP, hostPort, protocol)} is already in use`, options);
    this.name = 'PortInUseError';
    this.hostIP = hostIP;
    this.hostPort = hostPort;
    this.protocol = protocol;
  }
}

/**
 * The typed error for a failed listen/bind: EADDRINUSE → PortInUseError; EACCES/EPERM → Forbidden;
 * EADDRNOTAVAIL → Unavailable (the address is not on this host); anything else → Unavailable.
 */
export function listenError(err: unknown, hostIP: string, hostPort: number, protocol: PortProtocol): BoulderError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const where = formatBinding(hostIP, hostPort, protocol);
  if (code === 'EADDRINUSE') return new PortInUseError(hostIP, hostPort, protocol, { cause: err });
  if (code === 'EACCES' || code === 'EPERM') return new BoulderError('Forbidden', `not permitted to listen on ${where} (${code})`, { cause: err });
  if (code === 'EADDRNOTAVAIL') return new BoulderError('Unavailable', `cannot listen on ${where}: ${hostIP} is not an address of this host`, { cause: err });
  const reason = err instanceof Error ? err.message : String(err);
  return new BoulderError('Unavailable', `cannot listen on ${where}: ${reason}`, { cause: err });
}
