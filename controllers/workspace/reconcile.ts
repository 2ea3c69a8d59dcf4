/**
 * The Workspace reconcile: read the object, then (through the finalizer helper) either converge
 * its runtime and write status, or clean the runtime up on deletion. Level-based: it never asks
 * what event triggered it.
 */
import { isErrorCode } from '../../apis/errors.ts';
import { CLEANUP_FINALIZER } from '../../apis/meta.ts';
import type { Workspace } from '../../apis/types/index.ts';
import type { ResourceClient } from '../../apis/client/types.ts';
import { reconcileWithFinalizer } from '../runtime/finalizers.ts';
import type { ReconcileContext, Reconciler } from '../runtime/controller.ts';
import type { ProviderRegistry } from '../providers/registry.ts';
import type { Backend, Provider } from '../providers/types.ts';
import { isTerminalError } from '../runtime/errors.ts';
import { desiredRuntime, runtimeTarget } from './desired.ts';
import { workspaceStatus } from './status.ts';
import { writeStatusIfChanged } from '../runtime/status-writer.ts';

/** What the Workspace reconciler needs besides the reconcile context. */
export interface WorkspaceReconcilerDeps {
  providers: ProviderRegistry;
}

/** Builds the Workspace reconciler. */
export function workspaceReconciler(deps: WorkspaceReconcilerDeps): Reconciler {
  return async ({ namespace, name }, ctx) => {
    const ws = await getWorkspace(ctx.client, namespace, name);
    if (ws === undefined) return;
    await reconcileWithFinalizer(ws, CLEANUP_FINALIZER, ctx.client, {
      apply: (live) => convergeWorkspace(live, deps, ctx),
      cleanup: (live) => cleanupWorkspace(live, deps, ctx),
    });
  };
}

/** Reads a workspace; undefined when it is gone. */
async function getWorkspace(client: ResourceClient, namespace: string, name: string): Promise<Workspace | undefined> {
  try {
    return await client.get<Workspace>('Workspace', namespace, name);
  } catch (err) {
    if (isErrorCode(err, 'NotFound')) return undefined;
    throw err;
  }
}

/** Steps: pick the provider → compute desired → ensure → write status. */
async function convergeWorkspace(ws: Workspace, deps: WorkspaceReconcilerDeps, ctx: ReconcileContext): Promise<void> {
  const provider = deps.providers.get(backendOf(ws));
  const desired = desiredRuntime(ws);
  const started = ctx.clock.now().getTime();
  const result = await provider.ensure(desired);
  const ensureMs = ctx.clock.now().getTime() - started;
  const repairs = specUnchanged(ws) && result.outcome !== 'created' ? result.changes : [];
  for (const what of repairs) ctx.log.info({ repair: what }, `repaired workspace/${ws.metadata.name}: ${what}`);
  if (result.outcome === 'created' && ws.status?.containerId !== undefined) {
    ctx.log.info({ repair: 'container recreated' }, `repaired workspace/${ws.metadata.name}: container recreated`);
    repairs.push('container recreated');
  }
  const status = workspaceStatus(ws, { result, now: ctx.clock.now(), repairs, ensureMs });
  await writeStatusIfChanged(ctx.client, ws, status);
}

/** Removes the runtime; idempotent and safe when convergence never ran. */
async function cleanupWorkspace(ws: Workspace, deps: WorkspaceReconcilerDeps, ctx: ReconcileContext): Promise<void> {
  const provider = providerForCleanup(ws, deps);
  if (provider === undefined) {
    ctx.log.info(`cleanup of workspace/${ws.metadata.name}: its backend never ran it, nothing to remove`);
    return;
  }
  const outcome = await provider.delete(runtimeTarget(ws));
  ctx.log.info({ outcome }, `cleanup of workspace/${ws.metadata.name}: runtime ${outcome}`);
}

/**
 * The provider that must clean `ws` up, or undefined when its backend is unavailable here and no
 * runtime was ever reported for it (status has no containerId), so there is nothing to remove.
 */
function providerForCleanup(ws: Workspace, deps: WorkspaceReconcilerDeps): Provider | undefined {
  try {
    return deps.providers.get(backendOf(ws));
  } catch (err) {
    if (isTerminalError(err) && ws.status?.containerId === undefined) return undefined;
    throw err;
  }
}

function backendOf(ws: Workspace): Backend {
  return ws.spec.backend ?? 'docker';
}

/** True when the last status was written for the current spec (so changes now are drift repairs). */
function specUnchanged(ws: Workspace): boolean {
  return ws.status?.observedGeneration !== undefined && ws.status.observedGeneration === ws.metadata.generation;
}
