/**
 * Parsing of Linux `/proc/net/{tcp,tcp6,udp,udp6}` (pure): one entry per socket with its local
 * address, port, state and inode, and the choice of the sockets that hold a port.
 */
import type { PortProtocol } from '../contracts.ts';

/** One socket line of /proc/net/<proto>. */
export interface ProcNetSocket {
  localAddress: string;
  localPort: number;
  /** Kernel state, two hex digits: `0A` is TCP LISTEN, `07` an unconnected UDP socket. */
  state: string;
  uid: number;
  inode: number;
}

/** TCP state LISTEN in /proc/net/tcp. */
export const TCP_LISTEN = '0A';

/** Parses the text of a /proc/net/{tcp,tcp6,udp,udp6} file; malformed lines are skipped. */
export function parseProcNet(text: string): ProcNetSocket[] {
  const sockets: ProcNetSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10) continue;
    const [address, port] = (fields[1] ?? '').split(':');
    const inode = Number(fields[9]);
    const uid = Number(fields[7]);
    if (address === undefined || port === undefined || !/^[0-9A-Fa-f]+$/.test(port) || !Number.isInteger(inode)) continue;
    sockets.push({ localAddress: decodeAddress(address), localPort: parseInt(port, 16), state: (fields[3] ?? '').toUpperCase(), uid, inode });
  }
  return sockets;
}

/**
 * Inodes of the sockets that hold `port`: TCP sockets in LISTEN (a connection that merely uses the
 * port as its local end does not stop a listener), any bound UDP socket. Inode 0 (no owner) is left out.
 */
export function holdingInodes(sockets: readonly ProcNetSocket[], port: number, protocol: PortProtocol): Set<number> {
  return new Set(sockets.filter((s) => s.localPort === port && s.inode !== 0 && (protocol === 'udp' || s.state === TCP_LISTEN)).map((s) => s.inode));
}

/**
 * The dotted or colon form of a /proc/net address: IPv4 is 8 hex digits in host (little-endian)
 * order, IPv6 is four such 32-bit words. Anything else is returned as is.
 */
export function decodeAddress(hex: string): string {
  if (hex.length === 8) return wordBytes(hex).join('.');
  if (hex.length === 32) {
    const bytes = [0, 8, 16, 24].flatMap((i) => wordBytes(hex.slice(i, i + 8)));
    const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i]! << 8) | bytes[2 * i + 1]!).toString(16));
    return compressIPv6(groups);
  }
  return hex;
}

/** The four bytes of a little-endian 32-bit hex word, in memory order. */
function wordBytes(word: string): number[] {
  const value = parseInt(word, 16);
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
}

/** Joins eight hex groups, replacing the longest run of zero groups (≥ 2) with `::`. */
function compressIPv6(groups: string[]): string {
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== '0') {
      i += 1;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === '0') j += 1;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  if (bestLength < 2) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLength).join(':')}`;
}
