/**
 * The listen addresses of PortBindings, and the address a rendered binding asks for by its
 * visibility: one definition for the Workspace controller (which renders a workspace's bindings)
 * and the PortBinding controller (which decides where each one listens, exposure.ts). Pure.
 */
import type { PortBindingSpec } from './types/index.ts';

/** Listen address of private ports, and of every port the node does not allow beyond loopback. */
export const LOOPBACK_HOST_IP = '127.0.0.1';
/** The wildcard address: every interface of the host. */
export const WILDCARD_HOST_IP = '0.0.0.0';

/**
 * The `spec.hostIP` a visibility implies in a rendered binding: 127.0.0.1 for private; none for
 * public and org, whose address the node's exposure policy decides (controllers/portbinding/exposure.ts).
 */
export function hostIPFor(visibility: NonNullable<PortBindingSpec['visibility']>): string | undefined {
  return visibility === 'private' ? LOOPBACK_HOST_IP : undefined;
}
