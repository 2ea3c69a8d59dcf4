/** Formatting of host:port endpoints for messages (IPv6 addresses in brackets). */
import { isIPv6 } from 'node:net';
import type { PortProtocol } from '../contracts.ts';

/** `127.0.0.1:8080`, `[::1]:8080`. */
export function formatEndpoint(host: string, port: number): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

/** `127.0.0.1:8080/tcp`. */
export function formatBinding(host: string, port: number, protocol: PortProtocol): string {
  return `${formatEndpoint(host, port)}/${protocol}`;
}
