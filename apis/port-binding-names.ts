/**
 * The names of the PortBindings a Workspace owns, derived from its spec: one per `spec.ports`
 * entry (`<workspace>-<port>`) and one per published service port (`<workspace>-<service>-<port>`,
 * `-udp` appended for UDP). The one place these names are made: validation uses it to reject two
 * declarations that derive the same name, the Workspace controller to create the bindings. Pure.
 */
import type { ServicePort, WorkspacePort, WorkspaceService } from './types/index.ts';

/** A port's transport protocol. */
export type PortProtocol = 'tcp' | 'udp';

/** Longest object name (DNS-1123 label). */
const MAX_NAME = 63;

/** `<workspace>-<suffix>`, cut and suffixed with a short hash when longer than 63 characters. */
export function portBindingName(workspace: string, suffix: string): string {
  const name = `${workspace}-${suffix}`;
  if (name.length <= MAX_NAME) return name;
  // node:crypto is loaded only here: validating a manifest (apply's start) rarely needs it.
  const hash = process.getBuiltinModule('node:crypto').createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, MAX_NAME - hash.length - 1).replace(/-+$/, '')}-${hash}`;
}

/**
 * The port name of a service's published port: `<service>-<containerPort>`, `-udp` appended for
 * UDP (a port whose protocol is not set yet, before defaulting, is named like TCP, its default).
 */
export function servicePortName(service: string, containerPort: number, protocol?: PortProtocol): string {
  return `${service}-${containerPort}${protocol === 'udp' ? '-udp' : ''}`;
}

/** The ports a workspace declares: as written (validation), or after defaulting (`DefaultedWorkspace`, the controllers). */
interface DeclaredPorts<P extends WorkspacePort, S extends ServicePort> {
  ports?: Record<string, P>;
  services?: Record<string, Omit<WorkspaceService, 'ports'> & { ports?: S[] }>;
}

/** One PortBinding a workspace's spec declares, and which declaration it comes from. */
export type DerivedPortBinding<P extends WorkspacePort = WorkspacePort, S extends ServicePort = ServicePort> =
  | { name: string; suffix: string; path: ['spec', 'ports', string]; from: 'port'; portName: string; port: P }
  | { name: string; suffix: string; path: ['spec', 'services', string, 'ports', number]; from: 'service'; service: string; port: S };

/** The part of a Workspace the names derive from. */
export interface PortDeclarations<P extends WorkspacePort = WorkspacePort, S extends ServicePort = ServicePort> {
  metadata: { name: string };
  spec: DeclaredPorts<P, S>;
}

/**
 * Every PortBinding `ws` declares, in declaration order (ports, then services' ports); the ports
 * keep their type, so a defaulted workspace yields defaulted ports.
 */
export function derivedPortBindings<P extends WorkspacePort, S extends ServicePort>(ws: PortDeclarations<P, S>): DerivedPortBinding<P, S>[] {
  const out: DerivedPortBinding<P, S>[] = [];
  for (const [portName, port] of Object.entries(ws.spec.ports ?? {})) {
    out.push({ name: portBindingName(ws.metadata.name, portName), suffix: portName, path: ['spec', 'ports', portName], from: 'port', portName, port });
  }
  for (const [service, svc] of Object.entries(ws.spec.services ?? {})) {
    (svc.ports ?? []).forEach((port, index) => {
      const suffix = servicePortName(service, port.containerPort, port.protocol);
      out.push({ name: portBindingName(ws.metadata.name, suffix), suffix, path: ['spec', 'services', service, 'ports', index], from: 'service', service, port });
    });
  }
  return out;
}

/** Two declarations that derive the same PortBinding name: `second` comes after `first`. */
export interface PortBindingNameCollision {
  name: string;
  first: DerivedPortBinding;
  second: DerivedPortBinding;
}

/** Every later declaration whose PortBinding name an earlier one already derives. */
export function portBindingNameCollisions(derived: readonly DerivedPortBinding[]): PortBindingNameCollision[] {
  const seen = new Map<string, DerivedPortBinding>();
  const collisions: PortBindingNameCollision[] = [];
  for (const binding of derived) {
    const first = seen.get(binding.name);
    if (first === undefined) seen.set(binding.name, binding);
    else collisions.push({ name: binding.name, first, second: binding });
  }
  return collisions;
}
