/**
 * Service containers of a workspace: each `spec.services` entry runs in its own container on the
 * workspace network with its service name as alias (so the workspace reaches `postgres:5432`).
 * A service whose configuration hash changed is recreated; a service no longer declared is removed
 * (its named volumes stay until the workspace is deleted).
 */
import type Dockerode from 'dockerode';
import { ProviderError } from '../errors.ts';
import type { DesiredRuntime, DesiredService } from '../types.ts';
import { serviceConfigHash } from './config-hash.ts';
import { parseServiceVolume, serviceContainerSpec } from './container-spec.ts';
import { createContainer, removeContainer } from './containers.ts';
import type { ContainerOutcome, EnsureContext } from './ensure-context.ts';
import { ensurePulledImage } from './image-pull.ts';
import { serviceContainerName } from './names.ts';
import { networkAttachment, reattach, type WorkspaceNetwork } from './network.ts';
import { allSettled } from './settle.ts';
import { CONFIG_HASH_KEY, SERVICE_FAILED } from '../../../apis/names/index.ts';

/** Keeps, (re)creates or reattaches one service container. */
export async function ensureServiceContainer(
  ctx: EnsureContext,
  desired: DesiredRuntime,
  service: DesiredService,
  existing: Dockerode.ContainerInfo | undefined,
  network: WorkspaceNetwork,
): Promise<ContainerOutcome> {
  const what = `service ${service.name}`;
  const hash = serviceConfigHash(desired, service);
  if (existing !== undefined && existing.Labels[CONFIG_HASH_KEY] === hash) {
    if (networkAttachment(existing, desired, network) === 'attached') return { id: existing.Id, dockerState: existing.State, changes: [] };
    await reattach(ctx.docker, desired, existing, network, [service.name]);
    return { id: existing.Id, dockerState: existing.State, changes: [`${what} reconnected to network`] };
  }
  validateVolumes(service);
  const image = await ensurePulledImage(ctx.docker, service.image, { onProgress: ctx.onProgress, signal: ctx.signal });
  const changes = image.fetched ? [`image ${service.image} pulled`] : [];
  if (existing !== undefined) await removeContainer(ctx.docker, existing.Id, SERVICE_FAILED);
  const spec = serviceContainerSpec(desired, service, {
    name: serviceContainerName(desired.target, service.name),
    networkName: network.name,
    configHash: hash,
    imageDigest: image.digest,
  });
  const created = await createContainer(ctx.docker, spec, serviceContainerName(desired.target, service.name, { unique: true }), SERVICE_FAILED);
  changes.push(existing === undefined ? `${what} created` : `${what} recreated (config changed)`);
  return { id: created.id, dockerState: 'created', changes };
}

/** Removes service containers whose service is no longer declared; returns the changes. */
export async function removeUndeclaredServices(
  ctx: EnsureContext,
  desired: DesiredRuntime,
  existing: Map<string, Dockerode.ContainerInfo>,
): Promise<string[]> {
  const declared = new Set(desired.services.map((s) => s.name));
  const undeclared = [...existing].filter(([name]) => !declared.has(name));
  await allSettled(undeclared.map(([, c]) => removeContainer(ctx.docker, c.Id, SERVICE_FAILED)));
  return undeclared.map(([name]) => `service ${name} removed`);
}

function validateVolumes(service: DesiredService): void {
  for (const spec of service.volumes) {
    try {
      parseServiceVolume(spec);
    } catch (err) {
      throw new ProviderError(SERVICE_FAILED, `service ${service.name}: ${(err as Error).message}`, { transient: false, cause: err });
    }
  }
}
