/**
 * Workspace changes that concern PortBindings, as the PortBinding controller's declared watch of
 * Workspaces (`watches('Workspace', bindingsForWorkspace)`, runtime/watches.ts): a workspace that
 * starts, stops, pauses or is switched to changes where its bindings forward and — through the
 * active-workspace record on the Workspaces (apis/active-workspace.ts) — which workspace of its
 * repository owns a fixed port. So every Workspace event enqueues the bindings of that workspace
 * and the fixed-port bindings of every workspace of the same repository. Read from the manager's
 * cache: no list per event.
 */
import { DEFAULT_NAMESPACE, objectKey } from '../../apis/meta.ts';
import type { PortBinding, Workspace } from '../../apis/types/index.ts';
import type { CachedObjects, MappedRequest } from '../runtime/watches.ts';
import { repositoryOf } from './ownership.ts';

/**
 * The bindings to reconcile after workspace `ws` changed (pure over `cache`): every binding of
 * `ws` (also when `ws` is unknown: standalone bindings waiting for it), and the bindings with a
 * fixed hostPort of every workspace sharing `ws`'s repository.
 */
export function bindingsForWorkspace(ws: Workspace, cache: CachedObjects): MappedRequest[] {
  const changed = objectKey(ws);
  const repository = ws.spec === undefined ? undefined : repositoryOf(ws);
  const requests: MappedRequest[] = [];
  for (const pb of cache.list<PortBinding>('PortBinding')) {
    const workspaceKey = `${pb.metadata.namespace ?? DEFAULT_NAMESPACE}/${pb.spec.workspace}`;
    if (workspaceKey === changed) {
      requests.push({ key: objectKey(pb), reason: 'its workspace changed' });
      continue;
    }
    if (repository === undefined || pb.spec.hostPort === undefined) continue;
    const other = cache.get<Workspace>('Workspace', workspaceKey);
    if (other !== undefined && repositoryOf(other) === repository) {
      requests.push({ key: objectKey(pb), reason: `fixed port ${pb.spec.hostPort} shared with a workspace of its repository` });
    }
  }
  return requests;
}
