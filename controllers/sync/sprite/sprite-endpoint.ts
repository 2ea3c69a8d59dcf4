/**
 * An `Endpoint` on a directory in a Sprite: the Docker endpoint's shell machinery over Sprite exec
 * (sprite-transport.ts). Addresses: `sprite://<sprite>/<absolute path>` (address.ts).
 * Exec + tar rather than the filesystem API: a read of N files is one tar stream over one exec,
 * where the filesystem API needs a request per file (and per directory to list). Measured against
 * the local Sprites API on loopback, 200 files of 1 KiB: 586–933 ms through `fs/read` one by one,
 * 10–68 ms through one `tar -c` exec; over a real network each request adds a round trip.
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
