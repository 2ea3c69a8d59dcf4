/**
 * The workspace's main container: kept while its configuration hash matches (reattached when its
 * network was recreated or the workspace moved between its own network and the isolated one), else (re)created from the image, which is made present first
 * (pulled or built) so a failing pull never removes a working container.
 */
import type Dockerode from 'dockerode';
import type { DesiredRuntime } from '../types.ts';
import { workspaceConfigHash } from './config-hash.ts';
import { workspaceContainerSpec } from './container-spec.ts';
import { createContainer, removeContainer } from './containers.ts';
import type { ContainerOutcome, EnsureContext } from './ensure-context.ts';
import { ensureBuiltImage, resolveBuildTag } from './image-build.ts';
import { ensurePulledImage, type ResolvedImage } from './image-pull.ts';
import { containerName } from './names.ts';
import { networkAttachment, reattach, workspaceAliases, type WorkspaceNetwork } from './network.ts';
import { CONFIG_HASH_KEY, CONTAINER_CREATE_FAILED, IMAGE_DIGEST_LABEL } from '../../../apis/names/index.ts';

/** The image reference the main container should run, and how to make it present. */
export interface ImagePlan {
  ref: string;
  /** Makes the image present (pull or build), once: later calls share the first call's promise. */
  materialize: () => Promise<ResolvedImage>;
}

/**
 * Resolves the image ref of `desired` (for a build: scans the context to get the content tag).
 * `present`: the image as `prepare` just found it locally (used as is when it is the same ref).
 */
export async function planImage(ctx: EnsureContext, desired: DesiredRuntime, present?: ResolvedImage): Promise<ImagePlan> {
  const source = desired.imageSource;
  const progress = { onProgress: ctx.onProgress, signal: ctx.signal };
  if (source.kind === 'image') {
    if (present?.ref === source.ref) return { ref: source.ref, materialize: () => Promise.resolve(present) };
    return { ref: source.ref, materialize: once(() => ensurePulledImage(ctx.docker, source.ref, progress)) };
  }
  const resolved = await resolveBuildTag(desired, source, ctx.digestCache);
  return { ref: resolved.tag, materialize: once(() => ensureBuiltImage(ctx.docker, desired, source, resolved, progress)) };
}

/** True when the existing main container (if any) does not match `desired` and must be (re)created. */
export function needsNewContainer(desired: DesiredRuntime, image: ImagePlan, existing: Dockerode.ContainerInfo | undefined): boolean {
  return existing?.Labels[CONFIG_HASH_KEY] !== workspaceConfigHash(desired, image.ref);
}

function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => (promise ??= fn());
}

/** Result of the main container step. */
export interface WorkspaceContainerOutcome extends ContainerOutcome {
  created: boolean;
  imageDigest?: string;
}

/** Keeps, (re)creates or reattaches the main container. */
export async function ensureWorkspaceContainer(
  ctx: EnsureContext,
  desired: DesiredRuntime,
  image: ImagePlan,
  existing: Dockerode.ContainerInfo | undefined,
  network: WorkspaceNetwork,
): Promise<WorkspaceContainerOutcome> {
  const hash = workspaceConfigHash(desired, image.ref);
  if (existing !== undefined && !needsNewContainer(desired, image, existing)) {
    const kept = { id: existing.Id, dockerState: existing.State, created: false, imageDigest: existing.Labels[IMAGE_DIGEST_LABEL] };
    if (networkAttachment(existing, desired, network) === 'attached') return { ...kept, changes: [] };
    await reattach(ctx.docker, desired, existing, network, workspaceAliases(desired.target, network));
    return { ...kept, changes: ['container reconnected to network'] };
  }
  const resolved = await image.materialize();
  const changes: string[] = [];
  if (resolved.fetched) changes.push(desired.imageSource.kind === 'build' ? `image ${resolved.ref} built` : `image ${resolved.ref} pulled`);
  if (existing !== undefined) await removeContainer(ctx.docker, existing.Id, CONTAINER_CREATE_FAILED);
  const spec = workspaceContainerSpec(desired, {
    name: containerName(desired.target),
    networkName: network.name,
    aliases: workspaceAliases(desired.target, network),
    imageRef: resolved.ref,
    imageDigest: resolved.digest,
    configHash: hash,
  });
  const created = await createContainer(ctx.docker, spec, containerName(desired.target, { unique: true }), CONTAINER_CREATE_FAILED);
  changes.push(existing === undefined ? 'container created' : 'container recreated (config changed)');
  return { id: created.id, dockerState: 'created', changes, created: true, imageDigest: resolved.digest };
}
