/**
 * What a workspace may ask for on a multi-user node besides what its owner's rights allow (pure).
 * Effects that boulder cannot (yet) perform with the owner's rights are refused, so nothing runs
 * with the daemon's identity on a user's behalf:
 * - backends other than docker (and the in-memory mock): kubernetes and sprite would use the
 *   daemon's kubeconfig or API key;
 * - file sync other than a bind mount: the sync engine reads and writes with the daemon's rights;
 * - service volumes that are host paths: a service container would mount any file of the node;
 * - `fromEnv` secrets: the daemon's environment is not the user's (secrets.ts refuses them too).
 * A refusal is a TerminalError with a stable reason: a condition, never a retry loop.
 */
import type { Workspace } from '../../apis/types/index.ts';
import { backendOf } from '../../apis/defaulted.ts';
import { BACKEND_NOT_ALLOWED, HOST_PATH_NOT_ALLOWED, SECRET_SOURCE_NOT_ALLOWED } from '../../apis/names/index.ts';
import { TerminalError } from '../runtime/errors.ts';
import type { UnixOwner } from './owner.ts';

/** Backends whose effects run with the owner's rights (or nowhere). */
const OWNER_BACKENDS: ReadonlySet<string> = new Set(['docker', 'mock']);

/** Throws TerminalError when `ws` asks for an effect that would not run with `owner`'s rights. */
export function admitForOwner(ws: Workspace, owner: UnixOwner): void {
  const backend = backendOf(ws);
  if (!OWNER_BACKENDS.has(backend)) {
    throw new TerminalError(BACKEND_NOT_ALLOWED, `spec.backend: ${backend} is not available on a multi-user node (it would use the daemon's credentials, not ${owner.user}'s); use backend docker`);
  }
  const mode = ws.spec.sync?.mode;
  if (mode !== undefined && mode !== 'bind') {
    throw new TerminalError(HOST_PATH_NOT_ALLOWED, `spec.sync.mode: ${mode} is not available on a multi-user node (file sync would run with the daemon's rights, not ${owner.user}'s); use mode bind`);
  }
  for (const [name, service] of Object.entries(ws.spec.services ?? {})) {
    (service.volumes ?? []).forEach((volume, i) => {
      if (volume.startsWith('/')) {
        throw new TerminalError(HOST_PATH_NOT_ALLOWED, `spec.services.${name}.volumes[${i}]: host path volumes are not available on a multi-user node; use a named volume (name:/path)`);
      }
    });
  }
  (ws.spec.secrets ?? []).forEach((ref, i) => {
    if (ref.fromEnv !== undefined) {
      throw new TerminalError(SECRET_SOURCE_NOT_ALLOWED, `spec.secrets[${i}] (${ref.name}): fromEnv reads the daemon's environment, not ${owner.user}'s, and is refused on a multi-user node; use fromFile (read as ${owner.user})`);
    }
  });
}
