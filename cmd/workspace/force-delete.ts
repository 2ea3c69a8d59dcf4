/**
 * `--force` of `boulder delete` / `workspace destroy`: before deleting, mark the Workspace so its
 * controller removes the worktree even when it holds uncommitted changes.
 */
import type { ResourceClient } from '../../apis/client/types.ts';
import type { Workspace } from '../../apis/types/index.ts';
import { withState } from '../../controllers/workspace/operations/state.ts';
import { updateWithRetry } from '../../apis/client/update.ts';
import { FORCE_DELETE_ANNOTATION } from '../../apis/names/index.ts';

/** Sets `nexus.dev/force-delete: "true"` on a Workspace (retrying on Conflict); NotFound propagates. */
export async function markForceDelete(client: ResourceClient, namespace: string, name: string): Promise<void> {
  await updateWithRetry<Workspace>(client, { kind: 'Workspace', namespace, name }, (ws) => withState(ws, undefined, { [FORCE_DELETE_ANNOTATION]: 'true' }));
}
