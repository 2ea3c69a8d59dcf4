/**
 * The Workspace reconcile. Level-based: it re-reads the object and the backend and never asks what
 * event triggered it. Through the finalizer helper it either converges — the named steps of
 * converge.ts (trust admission → provider → worktree ∥ secrets ∥ observe → desired state → owned
 * port bindings → idle → sleep hook → ensure runtime (∥ a new worktree) → wake hook → lifecycle
 * scripts → status,
 * with the file-sync steps of sync-steps.ts in the list when the spec syncs files) — or cleans up
 * on deletion (runtime, then the worktree unless it holds uncommitted work; never a worktree under
 * cluster trust, where a repository path is not the writer's to name).
 * A failing step records its condition (and Ready=False) before the error propagates: transient
 * failures are retried with backoff, terminal ones wait for a spec change or the periodic resync.
 */
import { getIfExists } from '../../apis/client/get-if-exists.ts';
import type { Workspace } from '../../apis/types/index.ts';
import { reconcileWithFinalizer } from '../runtime/finalizers.ts';
import type { ReconcileContext, ReconcileResult, Reconciler } from '../runtime/controller.ts';
import { isTerminalError } from '../runtime/errors.ts';
import { runSteps, type Step } from '../runtime/steps.ts';
import type { Provider } from '../providers/types.ts';
import { removeWorktree } from '../worktree/index.ts';
import { resolveOwner, type UnixOwner } from '../multi-user/index.ts';
import { convergeSteps } from './converge.ts';
import { convergeScope, workspaceKey, type WorkspaceReconcilerDeps } from './converge-scope.ts';
import { runtimeTarget } from './desired.ts';
import { PhaseTimer } from './phase-timer.ts';
import { LiveStatus } from './live-status.ts';
import { CLEANUP_FINALIZER, FORCE_DELETE_ANNOTATION } from '../../apis/names/index.ts';
import { backendOf, defaulted } from '../../apis/defaulted.ts';

export type { WorkspaceReconcilerDeps } from './converge-scope.ts';

/** Builds the Workspace reconciler. */
export function workspaceReconciler(deps: WorkspaceReconcilerDeps): Reconciler {
  return async ({ namespace, name }, ctx) => {
    const ws = await getIfExists<Workspace>(ctx.client, 'Workspace', namespace, name);
    if (ws === undefined) return;
    return reconcileWithFinalizer(ws, CLEANUP_FINALIZER, ctx.client, {
      apply: (live) => convergeWorkspace(live, deps, ctx),
      cleanup: async (live): Promise<ReconcileResult | void> => cleanupWorkspace(live, deps, ctx),
    });
  };
}

/** Runs the converge steps (converge.ts) over a fresh scope; a failing step has recorded its condition. */
async function convergeWorkspace(ws: Workspace, deps: WorkspaceReconcilerDeps, ctx: ReconcileContext): Promise<ReconcileResult | void> {
  const live = new LiveStatus(ctx.client, ws, ctx.clock);
  const phases = new PhaseTimer();
  return runSteps(convergeSteps(ws), convergeScope(ws, deps, ctx, live, phases), {
    recordFailure: (condition, err) => live.recordFailure(condition, err),
    timer: phases,
  });
}

/** One cleanup of a deleted Workspace. */
interface CleanupScope {
  readonly ws: Workspace;
  readonly deps: WorkspaceReconcilerDeps;
  readonly ctx: ReconcileContext;
}

/** Removes the runtime, then the worktree (steps); idempotent and safe when convergence never ran. */
async function cleanupWorkspace(ws: Workspace, deps: WorkspaceReconcilerDeps, ctx: ReconcileContext): Promise<void> {
  await runSteps(cleanupSteps(ws), { ws, deps, ctx });
}

/** The cleanup steps: the runtime, then the worktree when the workspace has a repository. */
function cleanupSteps(ws: Workspace): Step<CleanupScope>[] {
  return [removeRuntimeStep, ...(ws.spec.repository !== undefined ? [removeWorktreeStep] : [])];
}

/** Forgets the workspace's activity and removes its runtime (containers, Pod, Sprite, …). */
const removeRuntimeStep: Step<CleanupScope> = {
  name: 'removeRuntime',
  run: async ({ ws, deps, ctx }) => {
    deps.activity?.forget(workspaceKey(ws));
    const provider = providerForCleanup(ws, deps);
    if (provider === undefined) {
      ctx.log.info(`cleanup of workspace/${ws.metadata.name}: its backend never ran it, nothing to remove`);
      return;
    }
    const outcome = await provider.delete(runtimeTarget(ws));
    ctx.log.info({ outcome }, `cleanup of workspace/${ws.metadata.name}: runtime ${outcome}`);
  },
};

/** Removes the worktree unless it holds uncommitted work (or the workspace is forced); never under cluster trust. */
const removeWorktreeStep: Step<CleanupScope> = {
  name: 'removeWorktree',
  run: async ({ ws, deps, ctx }) => {
    const repo = defaulted(ws).spec.repository;
    if (repo === undefined) return;
    if (deps.trust?.trust === 'cluster') {
      ctx.log.info(`cleanup of workspace/${ws.metadata.name}: no worktree is created for a cluster's Workspaces, none removed`);
      return;
    }
    const owner = await cleanupOwner(ws, deps, ctx);
    if (owner === null) return;
    const force = ws.metadata.annotations?.[FORCE_DELETE_ANNOTATION] === 'true' || repo.onDelete === 'Remove';
    const removal = await removeWorktree({
      ...(owner !== undefined ? { runAs: owner } : {}),
      repoPath: repo.path,
      name: ws.metadata.name,
      branch: repo.branch,
      force,
    });
    if (removal.kept !== undefined) {
      ctx.log.warn({ reason: removal.kept.reason }, `kept the worktree of workspace/${ws.metadata.name}: ${removal.kept.message}`);
    } else {
      ctx.log.info({ removed: removal.removed }, `cleanup of workspace/${ws.metadata.name}: worktree ${removal.removed ? 'removed' : 'absent'}`);
    }
  },
};

/**
 * Whose rights the worktree is removed with: the owner on a multi-user node (undefined otherwise);
 * null when that owner is gone, so the worktree is left (never removed with the daemon's rights).
 */
async function cleanupOwner(ws: Workspace, deps: WorkspaceReconcilerDeps, ctx: ReconcileContext): Promise<UnixOwner | undefined | null> {
  try {
    return await resolveOwner(ws.metadata.namespace, deps.multiUser);
  } catch (err) {
    if (!isTerminalError(err)) throw err;
    ctx.log.warn(`cleanup of workspace/${ws.metadata.name}: worktree left in place: ${err.message}`);
    return null;
  }
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
