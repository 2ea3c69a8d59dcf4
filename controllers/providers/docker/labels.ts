/**
 * Docker labels of a workspace's objects (pure): the workspace's own labels plus the role of the
 * object, the service it belongs to and the configuration hash that decides recreation. Objects
 * are found by these labels (`nexus.dev/uid`), never by an id kept in status.
 */
import { LABEL_MANAGED_BY, LABEL_UID, type RuntimeTarget } from '../types.ts';

/** Role of an object: the workspace's main container, a service container, or shared plumbing. */
export const LABEL_ROLE = 'nexus.dev/role';
/** Name of the service a service container (or volume) belongs to. */
export const LABEL_SERVICE = 'nexus.dev/service';
/** sha256 of the container-relevant desired fields; a different hash means recreate. */
export const LABEL_CONFIG_HASH = 'nexus.dev/config-hash';
/** Digest of the image a container was created from (RepoDigests[0] or the image id). */
export const LABEL_IMAGE_DIGEST = 'nexus.dev/image-digest';
/** Content hash of a built image's inputs (on images built for a workspace). */
export const LABEL_BUILD_HASH = 'nexus.dev/build-hash';

/** What an object is to its workspace. */
export type ObjectRole = 'workspace' | 'service' | 'network' | 'volume' | 'build';

/** Label values of everything boulder manages. */
export const MANAGED_BY_VALUE = 'boulder';

/** The labels of one object: the workspace labels plus role (and service, when it has one). */
export function objectLabels(
  workspaceLabels: Record<string, string>,
  role: ObjectRole,
  extra: { service?: string; configHash?: string; imageDigest?: string } = {},
): Record<string, string> {
  const labels: Record<string, string> = { ...workspaceLabels, [LABEL_ROLE]: role };
  if (extra.service !== undefined) labels[LABEL_SERVICE] = extra.service;
  if (extra.configHash !== undefined) labels[LABEL_CONFIG_HASH] = extra.configHash;
  if (extra.imageDigest !== undefined) labels[LABEL_IMAGE_DIGEST] = extra.imageDigest;
  return labels;
}

/** Docker list filter selecting every object of a workspace. */
export function uidFilter(target: Pick<RuntimeTarget, 'uid'>): { label: string[] } {
  return { label: [`${LABEL_UID}=${target.uid}`] };
}

/** Docker label filter selecting everything boulder manages. */
export const MANAGED_FILTER = `${LABEL_MANAGED_BY}=${MANAGED_BY_VALUE}`;
