/**
 * The SyncSession reconcile, as named steps (controllers/runtime/steps.ts): `admit` the session's
 * endpoints, keep its `engine` running in this daemon's runner with the current spec (paused
 * while `spec.paused` or the owning workspace holds it, workspace-hold.ts), perform a pending
 * `request`, and write the `status` from the engine's state when it changed; on deletion stop the
 * engine and remove the helper container and the persisted ancestor.
 * Under cluster trust a session whose endpoints leave its namespace (or reach this process's
 * machine), or reach any Pod but the one boulder made for the Workspace owning the session
 * (trust/policy.ts, trust/workspace-pod.ts; checked again before every exec), is never opened: its
 * engine is stopped, and the status says why (phase Error, Ready False and Stalled with reason
 * EndpointNotAllowed), without retries until the spec changes.
 */
import { DEFAULT_NAMESPACE } from '../../apis/meta.ts';
import { isErrorCode } from '../../apis/errors.ts';
import type { SyncSession, SyncSessionStatus } from '../../apis/types/syncsession.ts';
import type { ReconcileContext, Reconciler } from '../runtime/controller.ts';
import { finish, runSteps, type StepEntry } from '../runtime/steps.ts';
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

/** What the SyncSession reconciler needs besides the reconcile context. */
export interface SyncSessionReconcilerDeps {
  /** The engines of this process. */
  runner: SyncSessionRunner;
  /** Whose identity the sessions may use (controllers/trust/policy.ts); default `local`. */
  trust?: TrustMode;
  /** Reads the Pods a session's endpoints name (cluster trust). */
  readPod?: PodReader;
  /** Multi-user node: every session is refused (the engine would run with the daemon's rights). */
  multiUser?: MultiUserOptions;
}

/** Builds the SyncSession reconciler. */
export function syncSessionReconciler({ runner, trust = 'local', readPod, multiUser }: SyncSessionReconcilerDeps): Reconciler {
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
        await runSteps(sessionSteps, { session: live, uid, runner, trust, ...(readPod !== undefined ? { readPod } : {}), multiUser: multiUser !== undefined, ctx });
      },
      // Under cluster trust no Docker helper or volume was ever made for the session, and its spec
      // must not name one of this machine's volumes for removal.
      cleanup: (live) =>
        runner.stop(uid, trust === 'cluster' ? { cleanup: true } : { cleanup: true, beta: live.spec.beta, removeVolume: live.spec.workspace !== undefined }),
    });
  };
}

/** One reconcile of a live SyncSession; `owner` and `hold` are filled in by the steps named beside them. */
interface SessionScope {
  readonly session: SyncSession;
  readonly uid: string;
  readonly runner: SyncSessionRunner;
  readonly trust: TrustMode;
  readonly readPod?: PodReader;
  /** A multi-user node (sessions are refused). */
  readonly multiUser: boolean;
  readonly ctx: ReconcileContext;
  /** `admit`: the Workspace owning the session, if any. */
  owner?: Workspace;
  /** `engine`: why the owning workspace holds the session (undefined: it does not). */
  hold?: string;
}

/** The SyncSession converge: admit → engine → request → status (see the module comment). */
const sessionSteps: StepEntry<SessionScope>[] = [
  {
    name: 'admit',
    // Reports a refusal itself (Ready False and Stalled, the engine stopped) and ends the reconcile.
    run: async (scope) => {
      const { session, trust, ctx } = scope;
      try {
        admitSyncSession(session, trust);
        if (scope.multiUser) refuseOnMultiUserNode();
        scope.owner = await owningWorkspace(ctx.client, session);
        if (trust === 'cluster') await admitSessionPods(session, scope.owner, scope.readPod);
      } catch (err) {
        if (!isTerminalError(err)) throw err;
        await scope.runner.stop(scope.uid, { cleanup: false });
        await writeStatusIfChanged(ctx.client, session, refusedStatus(session, err.reason, err.message, ctx.clock));
        ctx.log.warn({ reason: err.reason }, err.message);
        return finish();
      }
      return undefined;
    },
  },
  {
    name: 'engine',
    // Paused by the user (spec.paused) or held by the owning workspace while it is not Running.
    run: async (scope) => {
      const { session, runner, owner } = scope;
      const hold = workspaceHold(session, owner);
      if (hold !== undefined) scope.hold = hold;
      await runner.ensure(session, await engineHints(scope), session.spec.paused === true || hold !== undefined);
    },
  },
  {
    name: 'request',
    // The CLI's pending request (flush, reset, resolve), performed once.
    run: async ({ session, runner, uid }) => {
      const request = parseSyncRequest(session.metadata.annotations?.[SYNC_REQUEST_ANNOTATION]);
      const handled = getCondition(session.status?.conditions, LAST_REQUEST)?.message.startsWith(`${request?.id}: `) === true;
      if (request !== undefined && !handled) await runner.handle(uid, request);
    },
  },
  {
    name: 'status',
    // The engine's state as the session's status, written when it changed.
    run: async ({ session, runner, uid, hold, ctx }) => {
      const facts = runner.facts(uid);
      if (facts === undefined) return;
      const pauseReason = session.spec.paused === true ? 'sync is paused (spec.paused; boulder sync resume resumes it)' : hold !== undefined ? `sync is held: ${hold}` : undefined;
      await writeStatusIfChanged(ctx.client, session, sessionStatus(session.status, { ...facts, ...(pauseReason !== undefined ? { pauseReason } : {}) }, session.metadata.generation, ctx.clock.now()));
    },
  },
];

/** What opening the endpoints needs; only when the engine (and a helper) is started. */
async function engineHints({ session, runner, uid, owner, trust, readPod, ctx }: SessionScope): Promise<EndpointHints> {
  if (runner.facts(uid) !== undefined) return {};
  const hints: EndpointHints = {
    namespace: session.metadata.namespace ?? DEFAULT_NAMESPACE,
    workspaceImages: owner !== undefined ? workspaceImages(owner) : await sessionWorkspaceImages(ctx.client, session),
  };
  if (trust === 'cluster') hints.podGuard = podGuard(session, () => owningWorkspace(ctx.client, session), readPod);
  return hints;
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
