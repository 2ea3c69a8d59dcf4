/**
 * A PortBinding's spec with every default resolved (pure): which workspace and container, the
 * port name the allocator plans with, protocol, listen address, and the URL it is reached at.
 */
import { DEFAULT_NAMESPACE } from '../../apis/meta.ts';
import type { PortBinding, PortBindingSpec } from '../../apis/types/index.ts';
import { portRole } from './allocator/port-roles.ts';
import type { PortProtocol } from './contracts.ts';
import { formatEndpoint } from './forward/endpoint.ts';
import { decideExposure, LOOPBACK_HOST_IP, WILDCARD_HOST_IP, type ExposurePolicy } from './exposure.ts';
import { servicePortName } from '../../apis/port-binding-names.ts';
import { defaulted } from '../../apis/defaulted.ts';
import { hostIPFor } from '../../apis/port-addresses.ts';

export { servicePortName };

/** Listen address of private ports, and of every port the node does not allow beyond loopback. */
export const PRIVATE_HOST_IP = LOOPBACK_HOST_IP;
/** The wildcard address (every interface); a binding listens there only when the node allows it (exposure.ts). */
export const PUBLIC_HOST_IP = WILDCARD_HOST_IP;

/** The resolved spec of one binding. */
export interface ResolvedBinding {
  namespace: string;
  workspace: string;
  /** Service container bound instead of the main one. */
  service?: string;
  /** Port name used for the allocation, the URL scheme and `-o env`. */
  name: string;
  containerPort: number;
  protocol: PortProtocol;
  /** The address the binding listens on: what the spec asks for when the node allows it, else loopback (see decideExposure). */
  hostIP: string;
  /** Fixed host port wanted by the spec. */
  fixedPort?: number;
}

/** The `spec.hostIP` a visibility implies in a rendered binding (defined once in apis/port-addresses.ts). */
export { hostIPFor };

/** The port name of a spec: `spec.name`, else `<service>-<port>`, else `port-<containerPort>`. */
export function bindingPortName(spec: PortBindingSpec): string {
  if (spec.name !== undefined) return spec.name;
  const { protocol } = spec;
  if (spec.service !== undefined) return servicePortName(spec.service, spec.containerPort, protocol);
  return `port-${spec.containerPort}${protocol === 'udp' ? '-udp' : ''}`;
}

/**
 * Resolves the defaults of a binding's spec; the listen address under the node's exposure
 * `policy` (undefined: loopback only).
 */
export function resolveBinding(pb: PortBinding, policy?: ExposurePolicy): ResolvedBinding {
  const { spec } = defaulted(pb);
  const resolved: ResolvedBinding = {
    namespace: pb.metadata.namespace ?? DEFAULT_NAMESPACE,
    workspace: spec.workspace,
    name: bindingPortName(spec),
    containerPort: spec.containerPort,
    protocol: spec.protocol,
    hostIP: decideExposure(spec, policy).address,
  };
  if (spec.service !== undefined) resolved.service = spec.service;
  if (spec.hostPort !== undefined) resolved.fixedPort = spec.hostPort;
  return resolved;
}

/** True for port names that speak HTTP: the web and api roles (`web`, `http`, `app`, `api`…) and names containing `http`. */
export function isHttpPortName(name: string): boolean {
  const role = portRole(name);
  return role === 'web' || role === 'api' || name.toLowerCase().includes('http');
}

/**
 * The URL a binding is reached at: `http://127.0.0.1:32801` for HTTP ports over TCP, else
 * `tcp://…` or `udp://…`. A wildcard listen address is shown as 127.0.0.1 (it includes loopback).
 */
export function bindingUrl(name: string, protocol: PortProtocol, hostIP: string, hostPort: number): string {
  const host = hostIP === PUBLIC_HOST_IP || hostIP === '::' ? PRIVATE_HOST_IP : hostIP;
  const scheme = protocol === 'tcp' && isHttpPortName(name) ? 'http' : protocol;
  return `${scheme}://${formatEndpoint(host, hostPort)}`;
}

/** True when two listen addresses overlap (equal, or either is a wildcard). */
export function addressesOverlap(a: string, b: string): boolean {
  const wildcard = (ip: string): boolean => ip === PUBLIC_HOST_IP || ip === '::';
  return a === b || wildcard(a) || wildcard(b);
}
