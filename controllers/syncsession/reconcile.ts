/**
 * The SyncSession reconcile: keeps the session's engine running in this daemon's runner with the
 * current spec, paused while `spec.paused` or the owning workspace holds it (workspace-hold.ts), and writes the status from the engine's state when it changed; on
 * deletion stops the engine and removes the helper container and the persisted ancestor.
 * Under cluster trust a session whose endpoints leave its namespace (or reach this process's
 * machine), or reach any Pod but the one boulder made for the Workspace owning the session
 * (trust/policy.ts, trust/workspace-pod.ts; checked again before every exec), is never opened: its
 * engine is stopped, and the status says why (phase Error, Ready False and Stalled with reason
 * EndpointNotAllowed), without retries until the spec changes.
 */
import { isErrorCode } from '../../apis/errors.ts';
import type { SyncSession, SyncSessionStatus } from '../../apis/types/syncsession.ts';
import type { Reconciler } from '../runtime/controller.ts';
import { reconcileWithFinalizer } from '../runtime/finalizers.ts';
import { writeStatusIfChanged } from '../runtime/status-writer.ts';
import { sessionWorkspaceImages, workspaceImages } from './helper-image.ts';
import type { SyncSessionRunner } from './runner.ts';
import { sessionStatus } from './status.ts';
import { outcomeMessage, parseSyncRequest } from './requests.ts';
import { getCondition, setCondition } from '../runtime/conditions.ts';
import { withStalled } from '../runtime/stalled.ts';
import { isTerminalError, TerminalError } from '../runtime/errors.ts';
import { admitSyncSession, type TrustMode } from '../trust/policy.ts';
import type { Clock } from '../runtime/clock.ts';
import { owningWorkspace, workspaceHold } from './workspace-hold.ts';
import { admitSessionPods, podGuard, type PodReader } from '../trust/workspace-pod.ts';
import type { Workspace } from '../../apis/types/index.ts';
import type { EndpointHints } from './endpoints.ts';
import { CLEANUP_FINALIZER, ENDPOINT_NOT_ALLOWED, LAST_REQUEST, REQUEST_FAILED, SYNC_REQUEST_ANNOTATION } from '../../apis/names/index.ts';
import type { MultiUserOptions } from '../multi-user/owner.ts';

/**
 * Multi-user node: the sync engine reads and writes files with the daemon's rights, not the
 * session owner's, so no session is run there (controllers/multi-user/admission.ts refuses
 * file-synced workspaces for the same reason).
 */
function refuseOnMultiUserNode(): never {
  throw new TerminalError(ENDPOINT_NOT_ALLOWED, "file sync is not available on a multi-user node: it would read and write files with the daemon's rights, not yours; use a bind-mounted workspace (spec.sync.mode: bind)");
}

/** The reconciler over `runner`. */
export function syncSessionReconciler(runner: SyncSessionRunner, trust: TrustMode = 'local', readPod?: PodReader, multiUser?: MultiUserOptions): Reconciler {
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
        let owner: Workspace | undefined;
        try {
          admitSyncSession(live, trust);
          if (multiUser !== undefined) refuseOnMultiUserNode();
          owner = await owningWorkspace(ctx.client, live);
          if (trust === 'cluster') await admitSessionPods(live, owner, readPod);
        } catch (err) {
          if (!isTerminalError(err)) throw err;
          await runner.stop(uid, { cleanup: false });
          await writeStatusIfChanged(ctx.client, live, refusedStatus(live, err.reason, err.message, ctx.clock));
          ctx.log.warn({ reason: err.reason }, err.message);
          return;
        }
        // Paused by the user (spec.paused) or held by the owning workspace while it is not Running.
        const hold = workspaceHold(live, owner);
        // The workspace's images only matter when the engine (and a helper) is started.
        const starting = runner.facts(uid) === undefined;
        const hints: EndpointHints = starting ? { workspaceImages: owner !== undefined ? workspaceImages(owner) : await sessionWorkspaceImages(ctx.client, live) } : {};
        if (starting && trust === 'cluster') hints.podGuard = podGuard(live, () => owningWorkspace(ctx.client, live), readPod);
        await runner.ensure(live, hints, live.spec.paused === true || hold !== undefined);
        const request = parseSyncRequest(live.metadata.annotations?.[SYNC_REQUEST_ANNOTATION]);
        const handled = getCondition(live.status?.conditions, LAST_REQUEST)?.message.startsWith(`${request?.id}: `) === true;
        if (request !== undefined && !handled) await runner.handle(uid, request);
        const facts = runner.facts(uid);
        if (facts === undefined) return;
        const pauseReason = live.spec.paused === true ? 'sync is paused (spec.paused; boulder sync resume resumes it)' : hold !== undefined ? `sync is held: ${hold}` : undefined;
        await writeStatusIfChanged(ctx.client, live, sessionStatus(live.status, { ...facts, ...(pauseReason !== undefined ? { pauseReason } : {}) }, live.metadata.generation, ctx.clock.now()));
      },
      // Under cluster trust no Docker helper or volume was ever made for the session, and its spec
      // must not name one of this machine's volumes for removal.
      cleanup: (live) =>
        runner.stop(uid, trust === 'cluster' ? { cleanup: true } : { cleanup: true, beta: live.spec.beta, removeVolume: live.spec.workspace !== undefined }),
    });
  };
}

/**
 * The status of a session that is not opened: phase Error, Ready False and Stalled with the
 * refusal (until the spec changes); a pending request is answered with the refusal, since no
 * engine will ever perform it.
 */
function refusedStatus(session: SyncSession, reason: string, message: string, clock: Clock): SyncSessionStatus {
  const generation = session.metadata.generation;
  const now = clock.now();
  let conditions = withStalled(session.status?.conditions, { reason, message, ...(generation !== undefined ? { observedGeneration: generation } : {}) }, now);
  const request = parseSyncRequest(session.metadata.annotations?.[SYNC_REQUEST_ANNOTATION]);
  if (request !== undefined) {
    const answer = outcomeMessage({ id: request.id, ok: false, message: `${reason}: ${message}` });
    conditions = setCondition(conditions, { type: LAST_REQUEST, status: 'False', reason: REQUEST_FAILED, message: answer }, now);
  }
  return { ...session.status, ...(generation !== undefined ? { observedGeneration: generation } : {}), phase: 'Error', conditions };
}
