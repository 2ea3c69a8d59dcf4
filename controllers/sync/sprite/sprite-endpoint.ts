/**
 * An `Endpoint` on a directory in a Sprite: the Docker endpoint's shell machinery over Sprite exec
 * (sprite-transport.ts). Addresses: `sprite://<sprite>/<absolute path>` (address.ts).
 * Measured against the filesystem API: one scan is one script and one read is one tar stream
 * over a single exec, where the filesystem API needs a request per file and directory.
 */
import type { SpriteClient } from '../../providers/sprite/client.ts';
import { createShellEndpoint, type ShellEndpoint } from '../docker/docker-endpoint.ts';
import type { SpritePath } from './address.ts';
import { shellPath, spriteTransport } from './sprite-transport.ts';

/** Options of `createSpriteEndpoint`. */
export interface SpriteEndpointOptions extends SpritePath {
  client: SpriteClient;
  /** Poll interval of the fallback watcher (no inotifywait), ms. Default 250. */
  pollIntervalMs?: number;
}

/** Creates the endpoint; resolves the directory as the Sprite's shell sees it (it must exist). */
export async function createSpriteEndpoint(options: SpriteEndpointOptions): Promise<ShellEndpoint> {
  const root = await shellPath(options.client, options.sprite, options.path);
  return createShellEndpoint(spriteTransport(options.client, options.sprite), { root, ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {}) });
}
