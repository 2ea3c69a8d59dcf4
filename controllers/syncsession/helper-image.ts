/**
 * Which image runs a volume session's sync helper. A registry-less machine cannot pull
 * `busybox:latest`, but a workspace's own image is already there once the workspace ran (and any
 * image with a POSIX sh, find, stat, sha256sum and tar serves: controllers/sync/docker). Order: an
 * image chosen explicitly (option or `BOULDER_SYNC_HELPER_IMAGE`) as is; else the workspace's
 * image or the image digest it last ran, when present locally; else the default.
 */
import type Dockerode from 'dockerode';
import type { ResourceClient } from '../../apis/client/types.ts';
import { isErrorCode } from '../../apis/errors.ts';
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
  try {
    return workspaceImages(await client.get<Workspace>('Workspace', session.metadata.namespace ?? DEFAULT_NAMESPACE, name));
  } catch (err) {
    if (isErrorCode(err, 'NotFound')) return [];
    throw err;
  }
}

/** The first of `candidates` present in the local image store, or undefined. */
export async function firstLocalImage(docker: Dockerode, candidates: readonly string[]): Promise<string | undefined> {
  for (const image of candidates) {
    try {
      await docker.getImage(image).inspect();
      return image;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
    }
  }
  return undefined;
}
