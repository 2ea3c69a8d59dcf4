/**
 * The Docker provider's sync capability (controllers/providers/sync-capability.ts), for two
 * address schemes:
 * - `docker://<container>/<absolute path>`: a directory in a running container;
 * - `volume://<volume>/<path>`: a directory in a Docker named volume, reached through the sync
 *   helper container `nexus-sync-<session uid>` (created on demand, mounting the volume at
 *   /workspace). The helper runs, in this order: an image chosen explicitly (the provider's
 *   `syncHelperImage` option or `BOULDER_SYNC_HELPER_IMAGE`) as is; else the first of the
 *   workspace's images present locally (a registry-less machine cannot pull the default, but the
 *   workspace's own image is there once it ran), replaced by the default when it cannot run the
 *   helper (no `sh`); else `busybox:latest`.
 * The endpoint protocol (shell agent, scans, staged apply) is the sync engine's
 * (controllers/sync/docker), loaded on first use so a CLI command that never syncs never loads it.
 */
import type Dockerode from 'dockerode';
import { BoulderError } from '../../../apis/errors.ts';
import { COMPONENT_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE, NAMESPACE_LABEL } from '../../../apis/names/index.ts';
import { errorMessage } from '../../runtime/errors.ts';
import type { Endpoint } from '../../sync/endpoint.ts';
import type { SyncCapability, SyncEndpointContext, SyncReleaseOptions } from '../sync-capability.ts';

/** Image of sync helper containers when neither an explicit one nor a local workspace image is known. */
export const DEFAULT_SYNC_HELPER_IMAGE = 'busybox:latest';

/** Where the helper mounts the volume. */
export const HELPER_MOUNT = '/workspace';

/** Labels of the helper container and the volume it creates (with the session's namespace, so a helper left behind is attributed). */
function helperLabels(namespace: string | undefined): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [COMPONENT_LABEL]: 'sync-helper', ...(namespace !== undefined ? { [NAMESPACE_LABEL]: namespace } : {}) };
}

/** Name of the sync helper container (and, for workspaces, of the sync volume) of a session/workspace uid. */
export function syncHelperName(uid: string): string {
  return `nexus-sync-${uid}`;
}

/** A parsed `docker://` or `volume://` address (the path of a volume is where the helper sees it). */
export type DockerSyncAddress = { type: 'docker'; container: string; path: string } | { type: 'volume'; volume: string; path: string };

/** Parses a `docker://` or `volume://` address; undefined for any other address. */
export function parseDockerSyncAddress(address: string): DockerSyncAddress | undefined {
  const match = /^(docker|volume):\/\/([^/]+)(\/.*)?$/.exec(address);
  if (match === null) {
    if (/^(docker|volume):\/\//.test(address)) throw new BoulderError('BadRequest', `"${address}" is not a Docker address: expected docker://<container>/<absolute path> or volume://<volume>/<path>`);
    return undefined;
  }
  const rest = (match[3] ?? '/').replace(/\/+$/, '');
  if (match[1] === 'docker') return { type: 'docker', container: match[2]!, path: rest === '' ? '/' : rest };
  return { type: 'volume', volume: match[2]!, path: `${HELPER_MOUNT}${rest}` };
}

/** Options of the capability. */
export interface DockerSyncOptions {
  docker: Dockerode;
  /** The helper image, used as is; default `BOULDER_SYNC_HELPER_IMAGE` (read when a helper is made), else a local workspace image or busybox. */
  helperImage?: string;
}

/** The capability over `options.docker`; see the module comment. */
export function dockerSyncCapability(options: DockerSyncOptions): SyncCapability {
  return {
    schemes: ['docker', 'volume'],
    open: (address, context) => openDockerEndpoint(options, address, context),
    release: (address, session, releaseOptions) => releaseDockerEndpoint(options.docker, address, session, releaseOptions),
  };
}

async function openDockerEndpoint(options: DockerSyncOptions, address: string, context: SyncEndpointContext): Promise<Endpoint> {
  const parsed = parseDockerSyncAddress(address);
  if (parsed === undefined) throw new BoulderError('BadRequest', `"${address}" is not a Docker address`);
  const { createDockerEndpoint } = await import('../../sync/docker/docker-endpoint.ts');
  if (parsed.type === 'docker') return createDockerEndpoint({ docker: options.docker, container: parsed.container, root: parsed.path });
  const name = syncHelperName(context.session);
  await ensureHelper(options, name, parsed.volume, context.workspaceImages ?? [], helperLabels(context.namespace));
  return createDockerEndpoint({ docker: options.docker, container: name, root: parsed.path });
}

/** Removes the helper of a `volume://` endpoint and, with `removeVolume`, the volume once nothing else uses it. */
async function releaseDockerEndpoint(docker: Dockerode, address: string, session: string, options: SyncReleaseOptions): Promise<void> {
  const parsed = parseDockerSyncAddress(address);
  if (parsed?.type !== 'volume') return;
  const { removeSyncHelper } = await import('../../sync/docker/helper-container.ts');
  await removeSyncHelper(docker, syncHelperName(session), undefined);
  if (!options.removeVolume) return;
  try {
    await removeSyncHelper(docker, syncHelperName(session), parsed.volume);
  } catch (err) {
    options.logger.warn({ volume: parsed.volume, err: errorMessage(err) }, 'sync volume still in use; left in place');
  }
}

/**
 * Creates (or starts) the helper `name` on `volume` (image: see the module comment). A workspace
 * image that cannot run it (no `sh`: the start fails) is replaced by the default.
 */
async function ensureHelper(options: DockerSyncOptions, name: string, volume: string, workspaceImages: readonly string[], labels: Record<string, string>): Promise<void> {
  const { ensureSyncHelper, removeSyncHelper } = await import('../../sync/docker/helper-container.ts');
  const explicit = options.helperImage ?? process.env['BOULDER_SYNC_HELPER_IMAGE'];
  const fallback = explicit ?? DEFAULT_SYNC_HELPER_IMAGE;
  const helper = { name, volume, labels, mountPath: HELPER_MOUNT };
  const chosen = explicit !== undefined ? undefined : await firstLocalImage(options.docker, workspaceImages);
  if (chosen === undefined) {
    await ensureSyncHelper(options.docker, { ...helper, image: fallback });
    return;
  }
  try {
    await ensureSyncHelper(options.docker, { ...helper, image: chosen });
  } catch {
    await removeSyncHelper(options.docker, name, undefined);
    await ensureSyncHelper(options.docker, { ...helper, image: fallback });
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
