/**
 * `forwardPorts`, `appPort` and `portsAttributes` → `ports.NAME`. A port's name comes from its
 * attributes' label (`Web App` → `web-app`), else `port-N`. `requireLocalPort` pins the host port
 * to the same number. boulder does not auto-forward, so attributes of ports that are not forwarded
 * (and of ranges or patterns) are not mapped; `onAutoForward`, `protocol` (http/https) and
 * `elevateIfNeeded` have no equivalent and are ignored.
 */
import type { ProjectPort } from '../types/index.ts';
import type { MappedPart, UnmappedItem } from './types.ts';

const MAX_NAME = 15;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isPort(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= 65535;
}

/**
 * A port name (DNS label of at most 15 characters) from a label, cut at a word boundary when it is
 * too long: `Web App` → `web-app`, `Node.js debugger (inspect)` → `node-js`; undefined when nothing is left.
 */
export function portNameFromLabel(label: string): string | undefined {
  const words = label.toLowerCase().split(/[^a-z0-9]+/).filter((word) => word !== '');
  let name = '';
  for (const word of words) {
    const longer = name === '' ? word.slice(0, MAX_NAME) : `${name}-${word}`;
    if (longer.length > MAX_NAME) break;
    name = longer;
  }
  return name === '' ? undefined : name.replace(/-+$/, '');
}

/** One forwarded port: its container port and, for appPort `H:C`, its host port. */
interface Forward {
  key: string;
  port: number;
  hostPort?: number;
}

/** Reads a forwardPorts entry: a number, `"3000"`, or `"localhost:3000"`; other hosts are compose services. */
function forwardEntry(value: unknown, key: string, unmapped: UnmappedItem[]): Forward | undefined {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : undefined;
  const match = text === undefined ? null : /^(?:(?<host>[^:]+):)?(?<port>[0-9]+)$/.exec(text);
  const port = Number(match?.groups?.['port']);
  if (match === null || !isPort(port)) {
    unmapped.push({ key, reason: 'must be a port number or "host:port"' });
    return undefined;
  }
  const host = match.groups?.['host'];
  if (host !== undefined && !['localhost', '127.0.0.1', '0.0.0.0'].includes(host)) {
    unmapped.push({ key: `${key} (${text as string})`, reason: `forwards port ${port} of ${host}, another container; declare ${host} under services with its ports` });
    return undefined;
  }
  return { key, port };
}

/** Reads an appPort entry: a number (same port on the host) or `"HOST:CONTAINER"`. */
function appPortEntry(value: unknown, key: string, unmapped: UnmappedItem[]): Forward | undefined {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : undefined;
  const match = text === undefined ? null : /^(?:(?:[0-9.]+:)?(?<host>[0-9]+):)?(?<port>[0-9]+)$/.exec(text);
  const port = Number(match?.groups?.['port']);
  const hostPort = match?.groups?.['host'] === undefined ? port : Number(match.groups['host']);
  if (match === null || !isPort(port) || !isPort(hostPort)) {
    unmapped.push({ key, reason: 'must be a port number or "HOST:CONTAINER"' });
    return undefined;
  }
  return { key, port, hostPort };
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

/** `ports` from forwardPorts, appPort and portsAttributes (see the module comment). */
export function mapPorts(doc: Record<string, unknown>): MappedPart {
  const unmapped: UnmappedItem[] = [];
  const attributes = isRecord(doc['portsAttributes']) ? doc['portsAttributes'] : {};
  if (doc['portsAttributes'] !== undefined && !isRecord(doc['portsAttributes'])) unmapped.push({ key: 'portsAttributes', reason: 'must be an object' });
  const forwards: Forward[] = [];
  if (doc['forwardPorts'] !== undefined && !Array.isArray(doc['forwardPorts'])) unmapped.push({ key: 'forwardPorts', reason: 'must be an array' });
  else {
    listOf(doc['forwardPorts']).forEach((value, i) => {
      const entry = forwardEntry(value, `forwardPorts[${i}]`, unmapped);
      if (entry !== undefined) forwards.push(entry);
    });
  }
  listOf(doc['appPort']).forEach((value, i) => {
    const entry = appPortEntry(value, Array.isArray(doc['appPort']) ? `appPort[${i}]` : 'appPort', unmapped);
    if (entry !== undefined) forwards.push(entry);
  });

  const ports: Record<string, ProjectPort> = {};
  const seen = new Set<number>();
  for (const forward of forwards) {
    if (seen.has(forward.port)) {
      unmapped.push({ key: forward.key, reason: `port ${forward.port} is already forwarded` });
      continue;
    }
    seen.add(forward.port);
    const attrs = isRecord(attributes[String(forward.port)]) ? (attributes[String(forward.port)] as Record<string, unknown>) : {};
    const fromLabel = typeof attrs['label'] === 'string' ? portNameFromLabel(attrs['label']) : undefined;
    let name = fromLabel ?? `port-${forward.port}`;
    if (name in ports) name = `${name.slice(0, MAX_NAME - String(forward.port).length - 1).replace(/-+$/, '')}-${forward.port}`;
    const port: ProjectPort = { port: forward.port };
    if (forward.hostPort !== undefined) port.host_port = forward.hostPort;
    else if (attrs['requireLocalPort'] === true) port.host_port = forward.port;
    ports[name] = port;
  }
  for (const key of Object.keys(attributes)) {
    if (/^[0-9]+$/.test(key)) {
      if (!seen.has(Number(key))) unmapped.push({ key: `portsAttributes.${key}`, reason: `port ${key} is not in forwardPorts; boulder publishes only the ports listed there (it does not auto-forward)` });
    } else {
      unmapped.push({ key: `portsAttributes.${key}`, reason: 'port ranges and patterns are for auto-forwarding, which boulder does not do' });
    }
  }
  if (doc['otherPortsAttributes'] !== undefined) unmapped.push({ key: 'otherPortsAttributes', reason: 'applies to auto-forwarded ports; boulder does not auto-forward' });
  return { config: Object.keys(ports).length === 0 ? {} : { ports }, unmapped };
}
