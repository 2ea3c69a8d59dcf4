/**
 * SyncSession endpoint addresses of a directory in a Pod's container:
 * `pod://<namespace>/<pod>/<container>/<absolute path>` (pure; no Kubernetes client here, so the
 * controllers can parse and build addresses without loading it).
 */
import { BoulderError } from '../../../apis/errors.ts';

/** A directory in a container of a Pod. */
export interface PodPath {
  namespace: string;
  pod: string;
  container: string;
  /** Absolute path inside the container (no trailing slash, `/` for the root). */
  path: string;
}

/** Scheme prefix of Pod addresses. */
export const POD_SCHEME = 'pod://';

/** The address of `target`. */
export function formatPodAddress(target: PodPath): string {
  const path = target.path === '/' ? '' : target.path;
  return `${POD_SCHEME}${target.namespace}/${target.pod}/${target.container}${path}`;
}

/**
 * Parses a `pod://` address; undefined when `address` is not one. Throws when it is one but
 * malformed (missing namespace, pod or container).
 */
export function parsePodAddress(address: string): PodPath | undefined {
  if (!address.startsWith(POD_SCHEME)) return undefined;
  const match = /^pod:\/\/([^/]+)\/([^/]+)\/([^/]+)(\/.*)?$/.exec(address);
  if (match === null) throw new BoulderError('BadRequest', `"${address}" is not a Pod address: expected pod://<namespace>/<pod>/<container>/<absolute path>`);
  const rest = (match[4] ?? '').replace(/\/+$/, '');
  return { namespace: match[1]!, pod: match[2]!, container: match[3]!, path: rest === '' ? '/' : rest };
}
