/**
 * Which local interface reaches an IPv4 address directly (no gateway), read from the kernel's
 * main routing table (`/proc/net/route`): the longest matching route wins, and an address behind a
 * gateway — a remote engine's container, say — has none. Loopback addresses are reached on `lo`.
 */
import { readFileSync } from 'node:fs';
import { isIPv4 } from 'node:net';

/** One row of /proc/net/route, addresses as host-order numbers. */
interface RouteRow {
  iface: string;
  destination: number;
  gateway: number;
  mask: number;
}

/** The interface reaching `address` without a gateway, or undefined (not IPv4, routed, or no route). */
export function directInterface(address: string, routeTable = readRouteTable()): string | undefined {
  if (!isIPv4(address)) return undefined;
  const ip = ipv4ToNumber(address);
  if (ip >>> 24 === 127) return 'lo';
  let best: RouteRow | undefined;
  for (const row of parseRouteTable(routeTable)) {
    if ((ip & row.mask) >>> 0 !== row.destination) continue;
    if (best === undefined || popcount(row.mask) > popcount(best.mask)) best = row;
  }
  return best !== undefined && best.gateway === 0 ? best.iface : undefined;
}

/** Parses /proc/net/route (little-endian hex columns) into host-order numbers. */
export function parseRouteTable(text: string): RouteRow[] {
  const rows: RouteRow[] = [];
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 8) continue;
    const [iface, destination, gateway, , , , , mask] = cols as [string, string, string, string, string, string, string, string];
    rows.push({ iface, destination: fromProcHex(destination), gateway: fromProcHex(gateway), mask: fromProcHex(mask) });
  }
  return rows;
}

function readRouteTable(): string {
  try {
    return readFileSync('/proc/net/route', 'utf8');
  } catch {
    return '';
  }
}

/** /proc/net/route prints addresses as the bytes of a little-endian word. */
function fromProcHex(hex: string): number {
  const n = Number.parseInt(hex, 16);
  return (((n & 0xff) << 24) | ((n & 0xff00) << 8) | ((n >>> 8) & 0xff00) | (n >>> 24)) >>> 0;
}

function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((n, part) => ((n << 8) | Number(part)) >>> 0, 0);
}

function popcount(n: number): number {
  let count = 0;
  for (let v = n >>> 0; v !== 0; v >>>= 1) count += v & 1;
  return count;
}
