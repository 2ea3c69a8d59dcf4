/**
 * Deterministic Docker object names of a workspace (pure). Names are for humans and for `docker`
 * commands: the provider finds its objects by label, so when a name is taken by someone else it
 * falls back to the `unique` variant, which carries a short uid hash.
 */
import { createHash } from 'node:crypto';
import type { RuntimeTarget } from '../types.ts';

/** Longest name produced (DNS label length, also fine for Docker names and hostnames). */
export const MAX_NAME_LENGTH = 63;

/** Prefix of every container and network name. */
const PREFIX = 'nexus';

/** Options of the name functions. */
export interface NameOptions {
  /** Append a short uid hash, for when the plain name is held by another object. */
  unique?: boolean;
}

/** Eight lowercase hex characters identifying a uid: its first 8 (for a UUID), else a hash of it. */
export function uid8(uid: string): string {
  return /^[0-9a-f]{8}/i.test(uid) ? uid.slice(0, 8).toLowerCase() : shortHash(uid, 8);
}

/** Name of the workspace's main container: `nexus-<namespace>-<name>`. */
export function containerName(target: RuntimeTarget, options: NameOptions = {}): string {
  return boundedName([PREFIX, target.namespace, target.name], target.uid, options);
}

/** Name of the workspace's bridge network: `nexus-<namespace>-<name>`. */
export function networkName(target: RuntimeTarget, options: NameOptions = {}): string {
  return boundedName([PREFIX, target.namespace, target.name], target.uid, options);
}

/**
 * Names of an isolated network (isolated-network.ts), in the order they are tried: the plain one
 * (`nexus-isolated`, or `nexus-isolated-<user>` for an owner on a multi-user node), then a fixed
 * fallback for when a network boulder did not make holds the plain name.
 */
export function isolatedNetworkNames(user?: string): [string, string] {
  const base = boundedName([PREFIX, 'isolated', ...(user !== undefined ? [user] : [])], `isolated\0${user ?? ''}`, {});
  return [base, withSuffix(base, '2')];
}

/** Name of a service container: `nexus-<namespace>-<name>-<service>`. */
export function serviceContainerName(target: RuntimeTarget, service: string, options: NameOptions = {}): string {
  return boundedName([PREFIX, target.namespace, target.name, service], target.uid, options);
}

/**
 * Name of a workspace-owned named volume: `nexus-<uid8>-<volume>`; on a multi-user node
 * `nexus-<user>-<uid8>-<volume>`, so each user's volumes are told apart by name too.
 */
export function volumeName(target: RuntimeTarget, volume: string, user?: string): string {
  return boundedName([PREFIX, ...(user !== undefined ? [user] : []), uid8(target.uid), volume], target.uid, {});
}

/** Tag of an image built for a workspace: `nexus-build/<uid8>:<contenthash12>`. */
export function buildTag(target: RuntimeTarget, contentHash: string): string {
  return `nexus-build/${uid8(target.uid)}:${contentHash.slice(0, 12)}`;
}

/** Hostname of the main container: the workspace name, sanitised. */
export function hostName(target: RuntimeTarget): string {
  const clean = sanitize(target.name).replace(/[._]/g, '-').replace(/^-+|-+$/g, '');
  return (clean || 'workspace').slice(0, MAX_NAME_LENGTH).replace(/-+$/, '');
}

/** Every name a container of this target may carry (plain and unique), for humans and tests. */
export function dockerNames(target: RuntimeTarget): {
  container: string;
  network: string;
  service: (name: string) => string;
  volume: (name: string) => string;
} {
  return {
    container: containerName(target),
    network: networkName(target),
    service: (name) => serviceContainerName(target, name),
    volume: (name) => volumeName(target, name),
  };
}

/**
 * Joins `parts` with `-` into a valid Docker name of at most 63 characters. The name is used
 * verbatim when sanitising changed nothing and it fits; otherwise (or when `unique`) it is cut and
 * suffixed with a hash so distinct inputs keep distinct names.
 */
function boundedName(parts: string[], uid: string, options: NameOptions): string {
  const raw = parts.join('-');
  const clean = sanitize(raw);
  if (options.unique === true) return withSuffix(clean, uid8(uid));
  if (clean === raw && clean.length <= MAX_NAME_LENGTH) return clean;
  return withSuffix(clean, shortHash(`${raw}\0${uid}`, 8));
}

function withSuffix(base: string, suffix: string): string {
  const head = base.slice(0, MAX_NAME_LENGTH - suffix.length - 1).replace(/[-_.]+$/, '');
  return `${head}-${suffix}`;
}

/** Lowercase; characters Docker rejects become `-`; runs of `-` collapse; must start alphanumeric. */
function sanitize(value: string): string {
  const clean = value
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[^a-z0-9]+/, '');
  return clean === '' ? 'x' : clean;
}

function shortHash(value: string, length: number): string {
  return createHash('sha256').update(value).digest('hex').slice(0, length);
}
