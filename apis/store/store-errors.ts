/**
 * The errors the embedded store raises, worded like the Kubernetes API server's so users and
 * scripts see the same message whichever backend holds their objects.
 */
import { AlreadyExistsError, BoulderError, ConflictError, GoneError, NotFoundError } from '../errors.ts';
import { kindByName } from '../kinds.ts';
import { GROUP } from '../meta.ts';

/** `workspaces.nexus.dev`: how Kubernetes names a resource in messages. */
export function resourceName(kind: string): string {
  const info = kindByName(kind);
  return `${info?.plural ?? kind.toLowerCase()}.${GROUP}`;
}

/** The object does not exist. */
export function notFound(kind: string, namespace: string, name: string): NotFoundError {
  return new NotFoundError(`${resourceName(kind)} "${name}" not found in namespace "${namespace}"`);
}

/** Create of a name that is taken. */
export function alreadyExists(kind: string, namespace: string, name: string): AlreadyExistsError {
  return new AlreadyExistsError(`${resourceName(kind)} "${name}" already exists in namespace "${namespace}"`);
}

/** A precondition (resourceVersion or uid) does not hold. */
export function conflict(kind: string, name: string, detail: string): ConflictError {
  return new ConflictError(
    `Operation cannot be fulfilled on ${resourceName(kind)} "${name}": ${detail}; please apply your changes to the latest version and try again`,
  );
}

/** The watch asked for history the store no longer has. */
export function gone(requested: number, oldest: number): GoneError {
  return new GoneError(
    `too old resource version: ${requested} (${oldest}); list again and watch from the list's resourceVersion`,
  );
}

/** A malformed resourceVersion string. */
export function badResourceVersion(value: string): BoulderError {
  return new BoulderError('BadRequest', `invalid resourceVersion "${value}": must be a non-negative decimal integer`);
}

/** The store was used after close(). */
export function storeClosed(path: string): BoulderError {
  return new BoulderError('Unavailable', `the embedded store ${path} is closed`);
}

/** Parses a resourceVersion string into a number; throws BadRequest when malformed. */
export function parseResourceVersion(value: string): number {
  if (!/^\d{1,15}$/.test(value)) throw badResourceVersion(value);
  return Number(value);
}
