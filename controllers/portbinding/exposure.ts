/**
 * Where a PortBinding may listen (pure). boulder has no authenticating gateway: whatever listens
 * on an address other than loopback is reachable, without authentication or TLS, by anyone who can
 * reach that address. So every binding listens on loopback unless the node's administrator lists
 * the address in the node configuration (`network.unauthenticated_bind_addresses`); the decision
 * is reported in the binding's `Exposed` condition.
 *
 * Decision — a request the node does not allow is **downgraded to 127.0.0.1 and reported**
 * (condition Exposed=False, reason ExposureNotAllowed, naming the address asked for and the
 * setting that would allow it), rather than refused. Downgrading is never less safe than what was
 * asked (loopback is a subset of every address), and it keeps a committed `visibility: org` from
 * breaking the workspace on every laptop without such a setting; the condition (and a warning in
 * the daemon's log) says it was not honoured, so nothing is silent.
 */
import type { PortBindingSpec } from '../../apis/types/index.ts';
import { EXPOSED, EXPOSURE_NOT_ALLOWED, LOOPBACK, UNAUTHENTICATED } from '../../apis/names/index.ts';
import { LOOPBACK_HOST_IP, WILDCARD_HOST_IP } from '../../apis/port-addresses.ts';

/** Listen addresses (loopback, the wildcard), defined once in apis/port-addresses.ts. */
export { LOOPBACK_HOST_IP, WILDCARD_HOST_IP };

/** The node configuration key that allows listening beyond loopback. */
export const EXPOSURE_SETTING = 'network.unauthenticated_bind_addresses';


/** The node's permission to listen beyond loopback, from `network.unauthenticated_bind_addresses`. */
export interface ExposurePolicy {
  /**
   * Addresses other than loopback a binding may listen on (IPv4; `0.0.0.0` allows every interface
   * and every single address). The first is where `visibility: org|public` ports without
   * `spec.hostIP` listen.
   */
  addresses: readonly string[];
  /** Where the setting was made, e.g. `node /etc/nexus/config.yaml:3:5`. */
  setBy?: string;
}

/** Where one binding listens, and why. */
export type Exposure =
  /** A loopback address: reachable from this machine only. */
  | { kind: 'loopback'; address: string }
  /** An address beyond loopback the node allows: reachable without authentication. */
  | { kind: 'exposed'; address: string; setBy?: string }
  /** Beyond loopback was asked (`wanted`), the node does not allow it: listens on 127.0.0.1. */
  | { kind: 'downgraded'; address: typeof LOOPBACK_HOST_IP; wanted: string; askedBy: string };

/** True for IPv4 loopback (127.0.0.0/8) and `::1`. */
export function isLoopbackAddress(address: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address) || address === '::1';
}

function allows(policy: ExposurePolicy | undefined, address: string): boolean {
  const addresses = policy?.addresses ?? [];
  return addresses.includes(address) || addresses.includes(WILDCARD_HOST_IP);
}

/**
 * Decides where a binding with `spec` listens under `policy` (undefined: nothing beyond loopback).
 * `spec.hostIP` is the address asked for; without it a private port asks for 127.0.0.1 and an org
 * or public port for the node's first allowed address (or, with none, for "beyond this machine").
 */
export function decideExposure(spec: Pick<PortBindingSpec, 'hostIP' | 'visibility'>, policy: ExposurePolicy | undefined): Exposure {
  const { visibility } = spec;
  const first = policy?.addresses[0];
  const beyondLoopback = visibility === 'org' || visibility === 'public'; // private, the schema's default, stays on loopback
  const wanted = spec.hostIP ?? (beyondLoopback ? (first ?? WILDCARD_HOST_IP) : LOOPBACK_HOST_IP);
  if (isLoopbackAddress(wanted)) return { kind: 'loopback', address: wanted };
  if (allows(policy, wanted)) return { kind: 'exposed', address: wanted, ...(policy?.setBy !== undefined ? { setBy: policy.setBy } : {}) };
  return { kind: 'downgraded', address: LOOPBACK_HOST_IP, wanted, askedBy: spec.hostIP !== undefined ? 'spec.hostIP' : `visibility ${visibility}` };
}

/** The Exposed condition (without observedGeneration) for a decision and the port it concerns. */
export function exposureCondition(exposure: Exposure, hostPort: number | undefined): { type: string; status: 'True' | 'False'; reason: string; message: string } {
  const at = (address: string): string => (hostPort === undefined ? address : `${address}:${hostPort}`);
  switch (exposure.kind) {
    case 'loopback':
      return { type: EXPOSED, status: 'False', reason: LOOPBACK, message: `listening on ${at(exposure.address)} only: reachable from this machine` };
    case 'exposed': {
      const allowedBy = `allowed by ${EXPOSURE_SETTING}${exposure.setBy === undefined ? '' : ` (${exposure.setBy})`}`;
      return {
        type: EXPOSED,
        status: 'True',
        reason: UNAUTHENTICATED,
        message: `exposed unauthenticated on ${at(exposure.address)}: anyone who can reach this address can connect, without authentication or TLS (${allowedBy})`,
      };
    }
    case 'downgraded':
      return {
        type: EXPOSED,
        status: 'False',
        reason: EXPOSURE_NOT_ALLOWED,
        message:
          `${exposure.askedBy} asks to listen on ${exposure.wanted}, which the node does not allow: listening on ${at(exposure.address)} only. ` +
          `boulder has no authenticating gateway; to expose ports without authentication an administrator lists the address in the node configuration's ${EXPOSURE_SETTING}`,
      };
  }
}
