/**
 * The SyncSession reconcile: keeps the session's engine running in this daemon's runner with the
 * current spec, paused while `spec.paused` or the owning workspace holds it (workspace-hold.ts), and writes the status from the engine's state when it changed; on
 * deletion stops the engine and removes the helper container and the persisted ancestor.
 */
import { CLEANUP_FINALIZER } from '../../apis/meta.ts';
import { isErrorCode } from '../../apis/errors.ts';
import type { SyncSession } from '../../apis/types/syncsession.ts';
import type { Reconciler } from '../runtime/controller.ts';
import { reconcileWithFinalizer } from '../runtime/finalizers.ts';
import { writeStatusIfChanged } from '../runtime/status-writer.ts';
import { sessionWorkspaceImages, workspaceImages } from './helper-image.ts';
import type { SyncSessionRunner } from './runner.ts';
import { sessionStatus } from './status.ts';
import { LAST_REQUEST_CONDITION, parseSyncRequest, SYNC_REQUEST_ANNOTATION } from './requests.ts';
import { getCondition } from '../runtime/conditions.ts';
import { owningWorkspace, workspaceHold } from './workspace-hold.ts';

/** The reconciler over `runner`. */
export function syncSessionReconciler(runner: SyncSessionRunner): Reconciler {
  return async (request, ctx) => {
    let session: SyncSession;
    try {
      session = await ctx.client.get<SyncSession>('SyncSession', request.namespace, request.name);
    } catch (err) {
      if (isErrorCode(err, 'NotFound')) return;
      throw err;
    }
    const uid = session.metadata.uid!;
    await reconcileWithFinalizer(session, CLEANUP_FINALIZER, ctx.client, {
      apply: async (live) => {
        // Paused by the user (spec.paused) or held by the owning workspace while it is not Running.
        const owner = await owningWorkspace(ctx.client, live);
        const hold = workspaceHold(live, owner);
        // The workspace's images only matter when the engine (and a helper) is started.
        const starting = runner.facts(uid) === undefined;
        const hints = starting ? { workspaceImages: owner !== undefined ? workspaceImages(owner) : await sessionWorkspaceImages(ctx.client, live) } : {};
        await runner.ensure(live, hints, live.spec.paused === true || hold !== undefined);
        const request = parseSyncRequest(live.metadata.annotations?.[SYNC_REQUEST_ANNOTATION]);
        const handled = getCondition(live.status?.conditions, LAST_REQUEST_CONDITION)?.message.startsWith(`${request?.id}: `) === true;
        if (request !== undefined && !handled) await runner.handle(uid, request);
        const facts = runner.facts(uid);
        if (facts === undefined) return;
        const pauseReason = live.spec.paused === true ? 'sync is paused (spec.paused; boulder sync resume resumes it)' : hold !== undefined ? `sync is held: ${hold}` : undefined;
        await writeStatusIfChanged(ctx.client, live, sessionStatus(live.status, { ...facts, ...(pauseReason !== undefined ? { pauseReason } : {}) }, live.metadata.generation, ctx.clock.now()));
      },
      cleanup: (live) => runner.stop(uid, { cleanup: true, beta: live.spec.beta, removeVolume: live.spec.workspace !== undefined }),
    });
  };
}
