/**
 * The workspaces configured in the user's ~/.nexus/config.yaml (`workspaces:`) that are not
 * applied yet, as placeholder rows for `boulder ws list`: phase `NotCreated`, their backend and
 * the branch they would use. They live in the default namespace (where `boulder ws up NAME` puts them).
 */
import { DEFAULT_NAMESPACE, API_VERSION, type KubeObject } from '../../../apis/meta.ts';
import type { EffectiveValues } from '../../../apis/config/types.ts';
import { CONFIGURED_REPOSITORY_ANNOTATION } from '../../../apis/names/index.ts';

/** Phase shown for a configured workspace that has no object yet. */
export const NOT_CREATED = 'NotCreated';

/** True for a placeholder made by notCreatedPlaceholders. */
export function isPlaceholder(obj: KubeObject): boolean {
  return (obj.status as { phase?: string } | undefined)?.phase === NOT_CREATED && obj.metadata.uid === undefined;
}

/**
 * Placeholders for the configured workspaces without a stored Workspace of the same name in the
 * default namespace, sorted by name. Pure.
 */
export function notCreatedPlaceholders(
  workspaces: EffectiveValues['workspaces'],
  stored: readonly KubeObject[],
  defaultBackend: string,
): KubeObject[] {
  const existing = new Set(stored.filter((o) => (o.metadata.namespace ?? DEFAULT_NAMESPACE) === DEFAULT_NAMESPACE).map((o) => o.metadata.name));
  return Object.entries(workspaces ?? {})
    .filter(([name]) => !existing.has(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, ws]) => ({
      apiVersion: API_VERSION,
      kind: 'Workspace',
      metadata: { name, namespace: DEFAULT_NAMESPACE, annotations: { [CONFIGURED_REPOSITORY_ANNOTATION]: ws.repository } },
      spec: { backend: ws.backend ?? defaultBackend, repository: { path: ws.repository } },
      status: { phase: NOT_CREATED, branch: ws.branch ?? `nexus/${name}` },
    }));
}
