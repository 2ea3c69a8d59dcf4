/**
 * Is a host port free? Answered the only reliable way: bind it on exactly the address that will
 * be used (TCP listener or UDP socket), then close it at once.
 */
import { createSocket } from 'node:dgram';
import { createServer, isIPv6 } from 'node:net';
import { BoulderError } from '../../../apis/errors.ts';
import type { PortProtocol } from '../contracts.ts';

/** Outcome of a bind probe; `reason` says why a port is not usable. */
export type ProbeResult = { free: true } | { free: false; reason: 'in-use' | 'permission-denied' | 'address-unavailable'; code: string };

/**
 * Binds `hostIP:port` for `protocol` and releases it. EADDRINUSE → in-use, EACCES/EPERM →
 * permission-denied (privileged port), EADDRNOTAVAIL → address-unavailable (the IP is not on this
 * host); any other error is thrown.
 */
export async function probePort(hostIP: string, port: number, protocol: PortProtocol): Promise<ProbeResult> {
  try {
    await (protocol === 'tcp' ? bindTcp(hostIP, port) : bindUdp(hostIP, port));
    return { free: true };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (code === 'EADDRINUSE') return { free: false, reason: 'in-use', code };
    if (code === 'EACCES' || code === 'EPERM') return { free: false, reason: 'permission-denied', code };
    if (code === 'EADDRNOTAVAIL') return { free: false, reason: 'address-unavailable', code };
    throw err;
  }
}

/**
 * True when `hostIP:port/protocol` can be bound now. In use or not permitted → false. An address
 * that is not on this host fails every port, so it throws (code Unavailable) instead of letting an
 * allocation walk the whole range.
 */
export async function probeFree(hostIP: string, port: number, protocol: PortProtocol): Promise<boolean> {
  const result = await probePort(hostIP, port, protocol);
  if (result.free) return true;
  if (result.reason === 'address-unavailable') {
    throw new BoulderError('Unavailable', `cannot bind ${hostIP}:${port}/${protocol}: ${hostIP} is not an address of this host (${result.code})`);
  }
  return false;
}

function bindTcp(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => {
      server.close(() => resolve());
    });
  });
}

function bindUdp(address: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type: isIPv6(address) ? 'udp6' : 'udp4' });
    socket.once('error', (err) => {
      try {
        socket.close();
      } catch {
        // already closed
      }
      reject(err);
    });
    socket.bind({ address, port, exclusive: true }, () => {
      socket.close(() => resolve());
    });
  });
}
