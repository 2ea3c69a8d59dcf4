/**
 * The `isTaken` the PortBinding controller passes to `allocate`: a port is taken when another
 * binding already holds it (persisted in its status) or when binding it on the host fails.
 */
import type { PortProtocol } from '../contracts.ts';
import type { IsPortTaken } from './allocate.ts';
import { probeFree } from './probe.ts';

/** Inputs of `portTakenCheck`. */
export interface PortTakenCheckOptions {
  /** Ports other bindings hold (from their status); checked first, without touching the host. */
  taken: ReadonlySet<number>;
  /** The address the binding will listen on. */
  hostIP: string;
  protocol: PortProtocol;
  /** The host probe (default `probeFree`); tests may pass a pure one. */
  probe?: (hostIP: string, port: number, protocol: PortProtocol) => Promise<boolean>;
}

/** An `IsPortTaken` that checks `taken` first and then probes the host by binding. */
export function portTakenCheck(options: PortTakenCheckOptions): IsPortTaken {
  const probe = options.probe ?? probeFree;
  return async (port) => options.taken.has(port) || !(await probe(options.hostIP, port, options.protocol));
}
