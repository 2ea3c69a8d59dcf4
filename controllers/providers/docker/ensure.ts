/**
 * `ensure` for Docker, as a short list of steps:
 *   1. snapshot (containers + networks by label) and image plan, in parallel;
 *   2. remove strays and undeclared services; ensure the network (the workspace's own when it has
 *      services, else the engine's isolated one) while the image is made present;
 *   3. keep / (re)create / reattach the main and service containers, in parallel, then remove the
 *      workspace's own network when it no longer needs one;
 *   4. bring every container to the desired lifecycle state, in parallel.
 * When nothing changed this costs two list calls (step 1) and nothing else; none when the caller
 * hands in the snapshot its `observe` just took (`known`; or a batched listing: snapshot-batch.ts). Each step's wall time is returned in
 * `phases` (status.timings.phases: ensure.snapshot, ensure.network, ensure.create, ensure.start).
 */
import type { DesiredRuntime, EnsureOptions, EnsureResult, ObservedRuntime } from '../types.ts';
import { removeContainer } from './containers.ts';
import type { EnsureContext } from './ensure-context.ts';
import { convergeLifecycle } from './lifecycle.ts';
import { ensureWorkspaceNetwork, removeNetwork } from './network.ts';
import { preparedImage, preparedNetwork, type PreparedWorkspace } from './prepare.ts';
import { ensureServiceContainer, removeUndeclaredServices } from './services.ts';
import { snapshotWorkspace, type WorkspaceSnapshot } from './snapshot.ts';
import { ensureWorkspaceContainer, needsNewContainer, planImage } from './workspace-container.ts';
import { desiredRunAsDetail } from './container-spec.ts';
import { allSettled } from './settle.ts';
import { CONTAINER_CREATE_FAILED, SERVICE_FAILED } from '../../../apis/names/index.ts';

/** Converges one workspace's Docker objects to `desired`. */
export async function ensureWorkspace(
  base: Omit<EnsureContext, 'onProgress' | 'signal'>,
  desired: DesiredRuntime,
  options: EnsureOptions = {},
  known?: WorkspaceSnapshot | Promise<WorkspaceSnapshot>,
  prepared?: PreparedWorkspace,
): Promise<EnsureResult> {
  const ctx: EnsureContext = { ...base, onProgress: options.onProgress, signal: options.signal };
  const phases: Record<string, number> = {};
  let mark = performance.now();
  const lap = (name: string): void => {
    const now = performance.now();
    phases[name] = now - mark;
    mark = now;
  };
  const [snapshot, image] = await allSettled([known ?? snapshotWorkspace(ctx.docker, desired.target), planImage(ctx, desired, preparedImage(prepared))]);
  lap('snapshot');
  const mainNeedsImage = needsNewContainer(desired, image, snapshot.main);
  const [cleanup, networkStep] = await allSettled([
    removeStrays(ctx, desired, snapshot),
    preparedNetwork(prepared, snapshot, desired) ?? ensureWorkspaceNetwork(ctx.docker, desired, snapshot, ctx.isolatedNetwork),
    mainNeedsImage ? image.materialize() : undefined,
  ]);
  const network = networkStep.network;
  ctx.onNetwork?.(network, desired.target);
  lap('network');
  const [main, ...services] = await allSettled([
    ensureWorkspaceContainer(ctx, desired, image, snapshot.main, network),
    ...desired.services.map((s) => ensureServiceContainer(ctx, desired, s, snapshot.services.get(s.name), network)),
  ]);
  const retired = network.isolated ? await retireOwnNetwork(ctx, snapshot) : [];
  lap('create');
  const lifecycle = await allSettled([
    ...desired.services.map((s, i) => convergeLifecycle(ctx.docker, services[i]!.id, services[i]!.dockerState, desired.state, `service ${s.name}`, SERVICE_FAILED)),
    convergeLifecycle(ctx.docker, main.id, main.dockerState, desired.state, 'container'),
  ]);
  lap('start');
  const changes = [...networkStep.changes, ...cleanup, ...main.changes, ...services.flatMap((s) => s.changes), ...retired, ...lifecycle.flat()];
  const observed: ObservedRuntime = {
    id: main.id,
    state: desired.state,
    image: image.ref,
    services: Object.fromEntries(desired.services.map((s) => [s.name, { running: desired.state === 'Running' }])),
  };
  if (main.imageDigest !== undefined) observed.imageDigest = main.imageDigest;
  const detail = desiredRunAsDetail(desired);
  if (detail !== undefined) observed.detail = detail;
  const outcome = snapshot.main === undefined ? 'created' : changes.length > 0 ? 'updated' : 'unchanged';
  return { outcome, changes, observed, containerCreated: main.created, phases };
}

/** Removes duplicate containers and networks and services no longer declared. */
async function removeStrays(ctx: EnsureContext, desired: DesiredRuntime, snapshot: WorkspaceSnapshot): Promise<string[]> {
  const [undeclared] = await allSettled([
    removeUndeclaredServices(ctx, desired, snapshot.services),
    ...snapshot.strayContainers.map((c) => removeContainer(ctx.docker, c.Id, CONTAINER_CREATE_FAILED)),
  ]);
  // Best effort: a duplicate network something still uses is left for a later ensure.
  const removedNetworks = await allSettled(
    snapshot.strayNetworks.map((n) => removeNetwork(ctx.docker, n.Id).then(() => n.Name, () => undefined)),
  );
  const strays = [
    ...snapshot.strayContainers.map((c) => `stray container ${(c.Names[0] ?? c.Id).replace(/^\//, '')} removed`),
    ...removedNetworks.filter((n) => n !== undefined).map((n) => `stray network ${n} removed`),
  ];
  return [...undeclared, ...strays];
}

/**
 * A workspace on the isolated network keeps no network of its own: the one it had while it
 * declared services is removed once its containers left it (best effort: one something still
 * uses is left for a later ensure).
 */
async function retireOwnNetwork(ctx: EnsureContext, snapshot: WorkspaceSnapshot): Promise<string[]> {
  const own = snapshot.network;
  if (own === undefined) return [];
  try {
    await removeNetwork(ctx.docker, own.Id);
    return [`network ${own.Name} removed (no services left)`];
  } catch {
    return [];
  }
}
