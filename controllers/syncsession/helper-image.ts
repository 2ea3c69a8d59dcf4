/**
 * The images of a session's workspace, which the SyncSession controller hands to the backend that
 * opens its endpoints: Docker's sync helper runs the first of them present locally
 * (controllers/providers/docker/sync-capability.ts), since a registry-less machine cannot pull
 * `busybox:latest` but has a workspace's own image once the workspace ran.
 */
import type { ResourceClient } from '../../apis/client/types.ts';
import { getIfExists } from '../../apis/client/get-if-exists.ts';
import { DEFAULT_NAMESPACE } from '../../apis/meta.ts';
import type { Workspace } from '../../apis/types/index.ts';
import type { SyncSession } from '../../apis/types/syncsession.ts';

/** The images of `ws` a helper could run, best first. Pure. */
export function workspaceImages(ws: Workspace | undefined): string[] {
  if (ws === undefined) return [];
  const images: string[] = [];
  if (ws.spec.image !== undefined) images.push(ws.spec.image);
  const digest = ws.status?.imageDigest;
  if (digest !== undefined && !images.includes(digest)) images.push(digest);
  return images;
}

/** The images of the workspace `session` belongs to (none for a standalone session or a missing workspace). */
export async function sessionWorkspaceImages(client: ResourceClient, session: SyncSession): Promise<string[]> {
  const name = session.spec.workspace;
  if (name === undefined) return [];
  return workspaceImages(await getIfExists<Workspace>(client, 'Workspace', session.metadata.namespace ?? DEFAULT_NAMESPACE, name));
}
