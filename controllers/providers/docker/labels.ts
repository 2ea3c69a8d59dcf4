/**
 * Docker labels of a workspace's objects (pure): the workspace's own labels plus the role of the
 * object, the service it belongs to and the configuration hash that decides recreation. Objects
 * are found by these labels (`nexus.dev/uid`), never by an id kept in status.
 */
import type { RuntimeTarget } from '../types.ts';
import { CONFIG_HASH_KEY, IMAGE_DIGEST_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE, ROLE_LABEL, SERVICE_LABEL, UID_LABEL } from '../../../apis/names/index.ts';

/** What an object is to its workspace. */
export type ObjectRole = 'workspace' | 'service' | 'network' | 'volume' | 'build';

/** The labels of one object: the workspace labels plus role (and service, when it has one). */
export function objectLabels(
  workspaceLabels: Record<string, string>,
  role: ObjectRole,
  extra: { service?: string; configHash?: string; imageDigest?: string } = {},
): Record<string, string> {
  const labels: Record<string, string> = { ...workspaceLabels, [ROLE_LABEL]: role };
  if (extra.service !== undefined) labels[SERVICE_LABEL] = extra.service;
  if (extra.configHash !== undefined) labels[CONFIG_HASH_KEY] = extra.configHash;
  if (extra.imageDigest !== undefined) labels[IMAGE_DIGEST_LABEL] = extra.imageDigest;
  return labels;
}

/** Docker list filter selecting every object of a workspace. */
export function uidFilter(target: Pick<RuntimeTarget, 'uid'>): { label: string[] } {
  return { label: [`${UID_LABEL}=${target.uid}`] };
}

/** Docker label filter selecting everything boulder manages. */
export const MANAGED_FILTER = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`;
