/**
 * Who holds a host port (Linux): a LISTEN TCP socket or a bound UDP socket on that port in
 * /proc/net, then the process with that socket open. Used to name the holder in a binding's
 * Conflict condition. Best effort: undefined when not on Linux, when nothing holds the port, or
 * when the owner cannot be seen (another user's process without privileges, another network
 * namespace).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PortHolder, PortProtocol } from '../contracts.ts';
import { describeProcess, findSocketOwner } from './proc-fd.ts';
import { holdingInodes, parseProcNet } from './proc-net.ts';

/** Options of `findPortHolder`. */
export interface FindPortHolderOptions {
  /** Root of the proc filesystem (default `/proc`). */
  procRoot?: string;
  /** Platform to assume (default `process.platform`); anything but linux finds nothing. */
  platform?: NodeJS.Platform;
}

/** The process holding `port` for `protocol` on any address (IPv4 or IPv6), or undefined. */
export async function findPortHolder(port: number, protocol: PortProtocol, options: FindPortHolderOptions = {}): Promise<PortHolder | undefined> {
  if ((options.platform ?? process.platform) !== 'linux') return undefined;
  const procRoot = options.procRoot ?? '/proc';
  const tables = await Promise.all([protocol, `${protocol}6`].map((name) => readFile(join(procRoot, 'net', name), 'utf8').catch(() => '')));
  const inodes = holdingInodes(tables.flatMap(parseProcNet), port, protocol);
  const pid = await findSocketOwner(inodes, procRoot);
  return pid === undefined ? undefined : describeProcess(pid, procRoot);
}
