/**
 * Turns a SyncSession's `alpha`/`beta` strings into endpoints:
 * - `docker://<container>/<absolute path>`: a directory in a running container;
 * - `volume://<volume>/<path>`: a directory in a Docker named volume, reached through the sync
 *   helper container `nexus-sync-<uid>` (created on demand, mounting the volume at /workspace,
 *   running the workspace's own image when it is present locally: helper-image.ts);
 * - `pod://<namespace>/<pod>/<container>/<absolute path>`: a directory in a container of a running
 *   Pod, reached by exec through the Kubernetes API server (needs `EndpointDeps.kubernetes`; the
 *   client library is loaded on first use);
 * - `sprite://<sprite>/<absolute path>`: a directory in a Sprite, reached by exec through the
 *   Sprites API (needs `EndpointDeps.sprite`, the API client);
 * - anything else: a local absolute path.
 */
import type Dockerode from 'dockerode';
import { BoulderError } from '../../apis/errors.ts';
import type { ClusterOptions } from '../providers/kubernetes/cluster.ts';
import type { Endpoint } from '../sync/endpoint.ts';
import { parsePodAddress, type PodPath } from '../sync/kubernetes/address.ts';
import type { SpriteClient } from '../providers/sprite/client.ts';
import { parseSpriteAddress, type SpritePath } from '../sync/sprite/address.ts';
import { createDockerEndpoint } from '../sync/docker/docker-endpoint.ts';
import { ensureSyncHelper, removeSyncHelper } from '../sync/docker/helper-container.ts';
import { createLocalEndpoint } from '../sync/local/local-endpoint.ts';
import { firstLocalImage } from './helper-image.ts';

/** Name of the sync helper container (and, for workspaces, of the sync volume) of a session/workspace uid. */
export function syncHelperName(uid: string): string {
  return `nexus-sync-${uid}`;
}

/** Where the helper mounts the volume. */
export const HELPER_MOUNT = '/workspace';

/** A parsed endpoint address. */
export type EndpointAddress =
  | { type: 'local'; path: string }
  | { type: 'docker'; container: string; path: string }
  | { type: 'volume'; volume: string; path: string }
  | ({ type: 'pod' } & PodPath)
  | ({ type: 'sprite' } & SpritePath);

/** Parses an endpoint address (see the module comment). */
export function parseEndpointAddress(address: string): EndpointAddress {
  const pod = parsePodAddress(address);
  if (pod !== undefined) return { type: 'pod', ...pod };
  const sprite = parseSpriteAddress(address);
  if (sprite !== undefined) return { type: 'sprite', ...sprite };
  const match = /^(docker|volume):\/\/([^/]+)(\/.*)?$/.exec(address);
  if (match === null) return { type: 'local', path: address };
  const rest = (match[3] ?? '/').replace(/\/+$/, '');
  if (match[1] === 'docker') return { type: 'docker', container: match[2]!, path: rest === '' ? '/' : rest };
  return { type: 'volume', volume: match[2]!, path: `${HELPER_MOUNT}${rest}` };
}

/** What opening an endpoint needs. */
export interface EndpointDeps {
  docker: Dockerode;
  /** Image of the helper container when nothing better is known (needs sh, find, stat, sha256sum, tar). */
  helperImage: string;
  /** True when `helperImage` was chosen explicitly: then it is used even where a workspace image is known. */
  helperImageFixed?: boolean;
  /** Labels for the helper container and volume. */
  labels: Record<string, string>;
  /** The cluster of `pod://` endpoints (kubeconfig/context or a loaded KubeConfig). */
  kubernetes?: ClusterOptions;
  /** The Sprites API of `sprite://` endpoints. */
  sprite?: SpriteClient;
}

/** What the session knows that helps open its endpoints. */
export interface EndpointHints {
  /** Images of the session's workspace, best first: the helper runs the first present locally. */
  workspaceImages?: readonly string[];
  /** Where a local endpoint persists its digest cache. */
  digestCachePath?: string;
  /**
   * Run before every exec into a `pod://` endpoint; throws to refuse it (cluster trust: the Pod
   * must be the owning workspace's, trust/workspace-pod.ts).
   */
  podGuard?: (target: PodPath) => Promise<void>;
}

/** Opens the endpoint `address` for the session `uid` (creating its helper when needed). */
export async function openEndpoint(address: string, uid: string, deps: EndpointDeps, hints: EndpointHints = {}): Promise<Endpoint> {
  const parsed = parseEndpointAddress(address);
  switch (parsed.type) {
    case 'local':
      return createLocalEndpoint(parsed.path, hints.digestCachePath === undefined ? {} : { digestCachePath: hints.digestCachePath });
    case 'docker':
      return createDockerEndpoint({ docker: deps.docker, container: parsed.container, root: parsed.path });
    case 'volume': {
      const name = syncHelperName(uid);
      await ensureHelper(deps, name, parsed.volume, hints);
      return createDockerEndpoint({ docker: deps.docker, container: name, root: parsed.path });
    }
    case 'pod': {
      if (deps.kubernetes === undefined) throw new BoulderError('BadRequest', `${address}: this controller has no Kubernetes cluster configured for pod:// endpoints`);
      const [{ loadKubeConfig }, { createPodEndpoint }] = await Promise.all([
        import('../providers/kubernetes/cluster.ts'),
        import('../sync/kubernetes/pod-endpoint.ts'),
      ]);
      const { namespace, pod, container, path } = parsed;
      const guard = hints.podGuard;
      return createPodEndpoint({ kubeConfig: loadKubeConfig(deps.kubernetes), namespace, pod, container, path, ...(guard !== undefined ? { guard: () => guard(parsed) } : {}) });
    }
    case 'sprite': {
      if (deps.sprite === undefined) throw new BoulderError('BadRequest', `${address}: this controller has no Sprites API configured for sprite:// endpoints (backends.sprite)`);
      const { createSpriteEndpoint } = await import('../sync/sprite/sprite-endpoint.ts');
      return createSpriteEndpoint({ client: deps.sprite, sprite: parsed.sprite, path: parsed.path });
    }
  }
}

/**
 * Creates (or starts) the helper `name` on `volume` (see helper-image.ts for the image). A
 * workspace image that cannot run it (no `sh`: the start fails) is replaced by the default.
 */
async function ensureHelper(deps: EndpointDeps, name: string, volume: string, hints: EndpointHints): Promise<void> {
  const options = { name, volume, labels: deps.labels, mountPath: HELPER_MOUNT };
  const chosen = deps.helperImageFixed === true ? undefined : await firstLocalImage(deps.docker, hints.workspaceImages ?? []);
  if (chosen === undefined) {
    await ensureSyncHelper(deps.docker, { ...options, image: deps.helperImage });
    return;
  }
  try {
    await ensureSyncHelper(deps.docker, { ...options, image: chosen });
  } catch {
    await removeSyncHelper(deps.docker, name, undefined);
    await ensureSyncHelper(deps.docker, { ...options, image: deps.helperImage });
  }
}
