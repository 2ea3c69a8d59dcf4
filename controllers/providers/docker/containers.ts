/**
 * Creating and removing containers. A create whose deterministic name is held by an object that
 * is not this workspace's (another state dir, a leftover) retries once with the unique name:
 * objects are found by label, so the name is only for humans.
 */
import type Dockerode from 'dockerode';
import type { ProviderFailureReason } from '../errors.ts';
import { isConflict, isNotFound, toProviderError } from './engine-errors.ts';

/** Creates a container from `spec`, falling back to `uniqueName` when `spec.name` is taken. */
export async function createContainer(
  docker: Dockerode,
  spec: Dockerode.ContainerCreateOptions,
  uniqueName: string,
  reason: ProviderFailureReason,
): Promise<{ id: string; name: string }> {
  const names = spec.name === uniqueName ? [uniqueName] : [spec.name ?? uniqueName, uniqueName];
  for (const [i, name] of names.entries()) {
    try {
      const container = await docker.createContainer({ ...spec, name });
      return { id: container.id, name };
    } catch (err) {
      if (isConflict(err) && i < names.length - 1) continue;
      throw toProviderError(docker, err, reason, `creating container ${name}`);
    }
  }
  throw new Error('unreachable');
}

/** Removes a container (forced, with its anonymous volumes); a missing one counts as removed. */
export async function removeContainer(docker: Dockerode, id: string, reason: ProviderFailureReason): Promise<void> {
  try {
    await docker.getContainer(id).remove({ force: true, v: true });
  } catch (err) {
    // 404: already gone; 409: removal already in progress.
    if (isNotFound(err) || isConflict(err)) return;
    throw toProviderError(docker, err, reason, `removing container ${id.slice(0, 12)}`);
  }
}
