/**
 * The host port plan configuration is checked against: which ports boulder allocates from, which
 * are reserved, and what a user's `port_range` may be. A `port_range` narrows allocation: when set,
 * host ports of new workspaces come only from it.
 */

/** An inclusive range of ports. */
export interface PortSpan {
  start: number;
  end: number;
}

/** Ports a `port_range` must stay inside (no privileged ports). */
export const ALLOWED_PORTS: PortSpan = { start: 1024, end: 65535 };

/** Reserved for boulder itself (gateway, daemon API); never allocated to workspaces. */
export const RESERVED_PORTS: PortSpan = { start: 32768, end: 32799 };

/** Default allocation ranges by backend, and the dynamic fallback above them. */
export const DEFAULT_PORT_RANGES = {
  docker: { start: 32800, end: 34999 },
  sprite: { start: 35000, end: 39999 },
  dynamic: { start: 40000, end: 65535 },
} as const satisfies Record<string, PortSpan>;

/** Host ports one workspace takes (offset 0 ssh, 1 web, 2 api, 3 database, 4 cache, 5-9 services). */
export const PORTS_PER_WORKSPACE = 10;

/** `33000-33999` → {start: 33000, end: 33999}; undefined when `text` is not two port numbers. */
export function parsePortRange(text: string): PortSpan | undefined {
  const match = /^\s*(\d{1,5})\s*-\s*(\d{1,5})\s*$/.exec(text);
  if (match === null) return undefined;
  return { start: Number(match[1]), end: Number(match[2]) };
}

/** `start-end`. */
export function formatPortRange(range: PortSpan): string {
  return `${range.start}-${range.end}`;
}

/** True when the two ranges share a port. */
export function rangesOverlap(a: PortSpan, b: PortSpan): boolean {
  return a.start <= b.end && b.start <= a.end;
}

/**
 * What is wrong with `range` as a `port_range` (empty when it is fine): start after end, outside
 * 1024-65535, overlapping the reserved 32768-32799, or too small for one workspace's ports.
 */
export function portRangeProblems(range: PortSpan): string[] {
  const problems: string[] = [];
  const shown = formatPortRange(range);
  if (range.start > range.end) return [`${shown}: start (${range.start}) is after end (${range.end})`];
  if (range.start < ALLOWED_PORTS.start || range.end > ALLOWED_PORTS.end) {
    problems.push(`${shown} is outside the allowed ports ${formatPortRange(ALLOWED_PORTS)}`);
  }
  if (rangesOverlap(range, RESERVED_PORTS)) {
    problems.push(`${shown} overlaps the reserved ports ${formatPortRange(RESERVED_PORTS)}`);
  }
  if (range.end - range.start + 1 < PORTS_PER_WORKSPACE) {
    problems.push(`${shown} holds ${range.end - range.start + 1} ports; a workspace takes ${PORTS_PER_WORKSPACE}`);
  }
  return problems;
}
