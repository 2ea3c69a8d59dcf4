/**
 * The worktree steps of a Workspace converge (converge.ts). The worktree is made either first,
 * with the inputs (as always), or alongside ensure (worktree-timing.ts decides):
 *   - `worktree` (with the other inputs): an existing worktree is confirmed, one that cannot be
 *     made alongside is made; for a new one that may be, only the reads and checks run here
 *     (repository, branch, base ref, the branch not checked out elsewhere: their failures come
 *     before any container, as always), and its path and the repository's common git dir are all
 *     the desired state needs;
 *   - `reserveWorktree` (right before ensure, once observe ran and nothing else can fail first):
 *     makes the new worktree's empty directory at its planned path, which the desired state
 *     mounts (a workspace whose runtime exists already, or a path not plainly ours to make, gets
 *     its worktree made here instead, before ensure);
 *   - `worktreeAdd` (concurrently with ensure): `git worktree add` into that directory; on failure
 *     it removes the directory it made once ensure ended, and the failure is WorktreeReady's as
 *     before;
 *   - `remount` (before ensure): a worktree made while the workspace's container runs (its
 *     directory was gone: removed by hand, or by a failed `worktreeAdd`) is not the directory that
 *     container mounted at start, so the runtime is stopped and ensure starts it with it mounted.
 * All are timed as phase `worktree` (they add up: its time spent on the worktree); the ensure
 * group's wall is phase `runtime` (converge.ts).
 */
import type { Workspace } from '../../apis/types/index.ts';
import { CONTAINER_READY, WORKTREE_READY } from '../../apis/names/index.ts';
import { defaulted } from '../../apis/defaulted.ts';
import { found, type Step } from '../runtime/steps.ts';
import { addPlannedWorktree, ensureWorktree, planWorktree, releaseWorktreeDir, reserveWorktreeDir, type EnsureWorktreeInput, type WorktreeInfo } from '../worktree/index.ts';
import type { UnixOwner } from '../multi-user/index.ts';
import type { ConvergedWorktree, ConvergeScope } from './converge-scope.ts';
import { runtimeTarget } from './desired.ts';
import { bindMountsWorktree, worktreeFirstBySpec, worktreeTiming } from './worktree-timing.ts';

/** Confirms or makes the worktree, or checks a new one that may be made alongside ensure. */
export const worktreeStep: Step<ConvergeScope> = {
  name: 'worktree',
  condition: WORKTREE_READY,
  phase: 'worktree',
  run: async (scope) => {
    const { ws, owner } = scope;
    const input = worktreeInput(ws, owner);
    if (input === undefined) return;
    if (worktreeFirstBySpec(ws, owner) !== undefined) {
      scope.worktree = facts(await ensureWorktree(input));
      return;
    }
    const planned = await planWorktree(input);
    if (planned.kind === 'exists') scope.worktree = facts(planned.info);
    else scope.newWorktree = { path: planned.path, commonGitDir: planned.repo.commonGitDir, add: planned };
  },
};

/** Makes the planned worktree's empty directory for `worktreeAdd`, or the worktree itself (see the module comment). */
export const reserveWorktreeStep: Step<ConvergeScope> = {
  name: 'reserveWorktree',
  condition: WORKTREE_READY,
  phase: 'worktree',
  when: (scope) => scope.newWorktree !== undefined,
  run: async (scope) => {
    const { ws, owner, ctx } = scope;
    const planned = found(scope.newWorktree, 'worktree');
    const timing = worktreeTiming(ws, { ...(owner ? { owner } : {}), worktreeExists: false, runtimeExists: scope.before !== undefined });
    const reservation = timing.when === 'alongside' ? await reserveWorktreeDir(planned.add.input.repoPath, ws.metadata.name) : undefined;
    if (reservation === undefined) {
      ctx.log.debug({ timing }, `workspace/${ws.metadata.name}: worktree made before the runtime`);
      scope.worktree = facts(await addPlannedWorktree(planned.add));
      return;
    }
    scope.reservation = { ...planned, ...reservation, ensureEnded: Promise.withResolvers<void>() };
  },
};

/** `git worktree add` into the reserved directory, while ensure creates and starts the container. */
export const worktreeAddStep: Step<ConvergeScope> = {
  name: 'worktreeAdd',
  condition: WORKTREE_READY,
  phase: 'worktree',
  when: (scope) => scope.reservation !== undefined,
  run: async (scope) => {
    const { ws, ctx } = scope;
    const reservation = found(scope.reservation, 'reserveWorktree');
    try {
      scope.worktree = facts(await addPlannedWorktree(reservation.add));
    } catch (err) {
      // Removed once ensure no longer needs it (the bind mount's source must exist for create and
      // start); a container started meanwhile keeps the removed (empty) directory mounted until
      // it is started again (`remount` of a later converge).
      await reservation.ensureEnded.promise;
      await releaseWorktreeDir(reservation).catch((cleanup: unknown) => ctx.log.warn({ err: cleanup }, `workspace/${ws.metadata.name}: could not remove the empty worktree directory ${reservation.path}`));
      throw err;
    }
  },
};

/** Stops a running runtime whose worktree this converge made, so that ensure starts it with the worktree mounted. */
export const remountStep: Step<ConvergeScope> = {
  name: 'remount',
  condition: CONTAINER_READY,
  phase: 'remount',
  when: (scope) => scope.worktree?.created === true && scope.before?.state === 'Running' && found(scope.desired, 'idle').state === 'Running' && bindMountsWorktree(scope.ws),
  run: async (scope) => {
    const { ws, ctx } = scope;
    await found(scope.provider, 'provider').stop(runtimeTarget(ws));
    scope.stoppedAfterObserve = true;
    ctx.log.info(`workspace/${ws.metadata.name}: worktree ${found(scope.worktree, 'worktree').path} made while the container ran with the directory removed before mounted: restarting it`);
  },
};

/** What `ensureWorktree` is asked for `ws` (as `owner` on a multi-user node); undefined without spec.repository. */
function worktreeInput(ws: Workspace, owner: UnixOwner | undefined): EnsureWorktreeInput | undefined {
  const repo = defaulted(ws).spec.repository;
  if (repo === undefined) return undefined;
  return { repoPath: repo.path, name: ws.metadata.name, branch: repo.branch, baseRef: repo.baseRef, ...(owner ? { runAs: owner } : {}) };
}

/** The worktree as the converge keeps it. */
function facts(info: WorktreeInfo): ConvergedWorktree {
  const converged: ConvergedWorktree = { path: info.path, branch: info.branch, head: info.head, commonGitDir: info.commonGitDir, created: info.created };
  if (typeof info.submodules === 'object') converged.submodulesNotInitialized = info.submodules.notInitialized;
  return converged;
}
