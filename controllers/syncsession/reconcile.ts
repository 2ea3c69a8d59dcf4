/**
 * The SyncSession reconcile: keeps the session's engine running in this daemon's runner with the
 * current spec (paused or not) and writes the status from the engine's state when it changed; on
 * deletion stops the engine and removes the helper container and the persisted ancestor.
 */
import { CLEANUP_FINALIZER } from '../../apis/meta.ts';
import { isErrorCode } from '../../apis/errors.ts';
import type { SyncSession } from '../../apis/types/syncsession.ts';
import type { Reconciler } from '../runtime/controller.ts';
import { reconcileWithFinalizer } from '../runtime/finalizers.ts';
import { writeStatusIfChanged } from '../runtime/status-writer.ts';
import { sessionWorkspaceImages } from './helper-image.ts';
import type { SyncSessionRunner } from './runner.ts';
import { sessionStatus } from './status.ts';
import { LAST_REQUEST_CONDITION, parseSyncRequest, SYNC_REQUEST_ANNOTATION } from './requests.ts';
import { getCondition } from '../runtime/conditions.ts';

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
        // The workspace's images only matter when the engine (and a helper) is started.
        await runner.ensure(live, runner.facts(uid) === undefined ? { workspaceImages: await sessionWorkspaceImages(ctx.client, live) } : {});
        const request = parseSyncRequest(live.metadata.annotations?.[SYNC_REQUEST_ANNOTATION]);
        const handled = getCondition(live.status?.conditions, LAST_REQUEST_CONDITION)?.message.startsWith(`${request?.id}: `) === true;
        if (request !== undefined && !handled) await runner.handle(uid, request);
        const facts = runner.facts(uid);
        if (facts === undefined) return;
        await writeStatusIfChanged(ctx.client, live, sessionStatus(live.status, facts, live.metadata.generation, ctx.clock.now()));
      },
      cleanup: (live) => runner.stop(uid, { cleanup: true, beta: live.spec.beta, removeVolume: live.spec.workspace !== undefined }),
    });
  };
}
