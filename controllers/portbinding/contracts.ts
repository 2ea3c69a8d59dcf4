/**
 * Contracts between the parts of the PortBinding machinery: the deterministic allocator, the
 * daemon's forwarders and the port-holder lookup (all in this folder), used by the PortBinding
 * controller. Kept in one file so each part can be built and tested on its own.
 */
import type { Duplex } from 'node:stream';

/** Protocols a binding forwards. */
export type PortProtocol = 'tcp' | 'udp';

/** An inclusive range of host ports. */
export interface PortRange {
  start: number;
  end: number;
}

/** The port plan of the design (issue 4). */
export const PORT_PLAN = {
  reserved: { start: 32768, end: 32799 },
  docker: { start: 32800, end: 34999 },
  sprite: { start: 35000, end: 39999 },
  dynamic: { start: 40000, end: 65535 },
  /** Ports per workspace slot: offset 0 ssh, 1 web, 2 api, 3 database, 4 cache, 5–9 further services. */
  slotSize: 10,
} as const;

/** What the allocator needs to place one binding. */
export interface AllocationRequest {
  namespace: string;
  workspace: string;
  /** The binding's name (port name such as `web`, or `<service>-<port>`). */
  portName: string;
  /**
   * Names of all the workspace's ports in declaration order (`spec.ports` keys, then published
   * service ports `<service>-<port>`, then standalone bindings), usually including `portName`
   * (appended at the end when missing). The offset within the workspace's slot is derived from
   * it: the first port of each role takes the role's offset (0 ssh … 4 cache), the others take
   * 5–9 in this order, and the 6th such port overflows to `overflowRange`.
   */
  workspacePorts: readonly string[];
  protocol: PortProtocol;
  /** Range to allocate in (the backend's range, possibly narrowed by the user's port_range). */
  range: PortRange;
  /**
   * Where ports beyond the slot's 10 go (linear probing from a hash of namespace/workspace/port);
   * default `PORT_PLAN.dynamic`. Pass `range` itself to keep every port inside a user's port_range.
   */
  overflowRange?: PortRange;
}

/**
 * Opens one connection to `port` of a target that has no reachable address (e.g. a Pod through
 * the Kubernetes API server's port-forward); rejects when it cannot.
 */
export type TargetDialer = (port: number) => Promise<Duplex>;

/** Where a forwarder sends traffic. */
export interface ForwardTarget {
  /** Address to connect to; with `dial`, only a display name (e.g. `pod/nexus-web`). */
  host: string;
  port: number;
  /** When set, TCP connections are opened with it instead of connecting to host:port (no UDP). */
  dial?: TargetDialer;
  /**
   * Identity of the runtime behind `dial` (e.g. a Pod uid): a retarget to another instance closes
   * the connections opened to the previous one, instead of leaving them to their old target.
   */
  instance?: string;
}

/** One listening forwarder: hostIP:hostPort → target. */
export interface ForwardSpec {
  /** Stable id (the PortBinding uid). */
  id: string;
  protocol: PortProtocol;
  hostIP: string;
  hostPort: number;
  target: ForwardTarget;
  /** `namespace/name` of the workspace it reaches (activity and wake on connect); not part of the listener's identity. */
  workspace?: string;
  /** The binding's name, for activity records (`connection on port NAME`). */
  name?: string;
  /**
   * The kernel may forward new connections (nftables DNAT, `forward/kernel/`) where the pool can.
   * Such connections bypass the daemon: they neither wake an idle workspace nor count as its
   * activity, so the reconciler allows it only for a running workspace without an idle policy.
   */
  kernel?: boolean;
}

/** A process holding a port, when it can be found (Linux /proc). */
export interface PortHolder {
  pid: number;
  /** Program name (base name of argv[0], else `/proc/<pid>/comm`), e.g. `node`, `docker-proxy`. */
  command: string;
  /** Full command line (`/proc/<pid>/cmdline`, arguments joined by spaces, at most 256 characters). */
  commandLine?: string;
}
