/**
 * Whole-workspace operations outside ensure: move every container of a workspace to a lifecycle
 * state (pause, resume, stop), and delete every object carrying its uid label (containers,
 * network, named volumes, built images). All idempotent.
 */
import type Dockerode from 'dockerode';
import type { RuntimeState, RuntimeTarget } from '../types.ts';
import { removeContainer } from './containers.ts';
import { isConflict, isNotFound, toProviderError } from './engine-errors.ts';
import { uidFilter } from './labels.ts';
import { convergeLifecycle } from './lifecycle.ts';
import { removeNetwork } from './network.ts';
import { listWorkspaceContainers } from './snapshot.ts';
import { allSettled } from './settle.ts';
import { CONTAINER_CREATE_FAILED, CONTAINER_START_FAILED, ENGINE_UNAVAILABLE, IMAGE_BUILD_FAILED, ROLE_LABEL, SERVICE_FAILED, SERVICE_LABEL } from '../../../apis/names/index.ts';

/** Moves every container of the workspace (main and services) to `state`. */
export async function setWorkspaceState(docker: Dockerode, target: RuntimeTarget, state: RuntimeState): Promise<string[]> {
  const containers = await listWorkspaceContainers(docker, target);
  const changes = await allSettled(
    containers.map((c) => {
      const isService = c.Labels[ROLE_LABEL] === 'service';
      const what = isService ? `service ${c.Labels[SERVICE_LABEL] ?? c.Id.slice(0, 12)}` : 'container';
      return convergeLifecycle(docker, c.Id, c.State, state, what, isService ? SERVICE_FAILED : CONTAINER_START_FAILED);
    }),
  );
  return changes.flat();
}

/** Removes every object labelled with the workspace's uid; 'unchanged' when there was none. */
export async function deleteWorkspace(docker: Dockerode, target: RuntimeTarget): Promise<'deleted' | 'unchanged'> {
  const filters = uidFilter(target);
  const containers = await listWorkspaceContainers(docker, target);
  await allSettled(containers.map((c) => removeContainer(docker, c.Id, CONTAINER_CREATE_FAILED)));
  let networks: Dockerode.NetworkInspectInfo[];
  let volumes: Dockerode.VolumeInspectInfo[];
  let images: Dockerode.ImageInfo[];
  try {
    const [n, v, i] = await allSettled([
      docker.listNetworks({ filters }) as Promise<Dockerode.NetworkInspectInfo[]>,
      docker.listVolumes({ filters }),
      docker.listImages({ filters }),
    ]);
    [networks, volumes, images] = [n, v.Volumes ?? [], i];
  } catch (err) {
    throw toProviderError(docker, err, ENGINE_UNAVAILABLE, 'listing the workspace objects');
  }
  await allSettled([
    ...networks.map((n) => removeNetwork(docker, n.Id)),
    ...volumes.map((v) => removeVolume(docker, v.Name)),
    ...images.map((i) => removeImage(docker, i.Id)),
  ]);
  const removed = containers.length + networks.length + volumes.length + images.length;
  return removed > 0 ? 'deleted' : 'unchanged';
}

async function removeVolume(docker: Dockerode, name: string): Promise<void> {
  try {
    await docker.getVolume(name).remove();
  } catch (err) {
    if (isNotFound(err)) return;
    throw toProviderError(docker, err, SERVICE_FAILED, `removing volume ${name}`);
  }
}

async function removeImage(docker: Dockerode, id: string): Promise<void> {
  try {
    await docker.getImage(id).remove({ force: true });
  } catch (err) {
    // Several tags of one image are removed concurrently: the image may vanish under a later call.
    if (isNotFound(err) || isConflict(err) || /unrecognized image ID/i.test(String((err as Error).message))) return;
    throw toProviderError(docker, err, IMAGE_BUILD_FAILED, `removing built image ${id}`);
  }
}
