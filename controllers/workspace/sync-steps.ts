/**
 * The file-sync steps of a Workspace converge, present in its step list only for the variant the
 * spec asks for (converge.ts):
 * - `volumeSync` (a docker workspace, sync mode other than bind): the owned SyncSession fills the
 *   workspace's volume before the container is created — worktree → volume → initial sync → start;
 * - `podSync` (a kubernetes or sprite workspace): the Pod must run before exec reaches it — ensure
 *   runtime → initial sync into the Pod → wake hook, scripts, Ready.
 * Until the initial sync completes the converge ends there and looks again after SYNC_WAIT_MS (the
 * session's status changes also wake the workspace).
 */
import type { Workspace } from '../../apis/types/index.ts';
import type { SyncSession } from '../../apis/types/syncsession.ts';
import type { ResourceClient } from '../../apis/client/types.ts';
import { terminalFailureOf } from '../../apis/terminal.ts';
import { CONTAINER_READY, INVALID_SPEC, READY, WAITING_FOR_SYNC } from '../../apis/names/index.ts';
import { setCondition } from '../runtime/conditions.ts';
import { TerminalError } from '../runtime/errors.ts';
import { finish, found, type Step, type StepOutcome } from '../runtime/steps.ts';
import type { DesiredRuntime, Provider } from '../providers/types.ts';
import type { ConvergeScope } from './converge-scope.ts';
import type { LiveStatus } from './live-status.ts';
import { assertSyncNotStalled, ensureSyncSession, initialSyncComplete } from './sync-session.ts';

/** How often a workspace waiting for its initial file sync looks again (session events also wake it). */
export const SYNC_WAIT_MS = 500;

/** Docker file sync: the owned session, and its initial sync before a new container starts. */
export const volumeSyncStep: Step<ConvergeScope> = {
  name: 'volumeSync',
  condition: CONTAINER_READY,
  phase: 'syncSession',
  run: async (scope) => {
    const session = await syncSession(scope.ctx.client, scope.live.object, scope.worktree?.path);
    const desired = found(scope.desired, 'idle');
    if (scope.before !== undefined || desired.state !== 'Running' || initialSyncComplete(session)) return undefined;
    return waitForInitialSync(scope, session, 'waiting for the initial file sync before starting the container');
  },
};

/** Pod (and Sprite) file sync: the owned session into the running Pod, and its initial sync before scripts and Ready. */
export const podSyncStep: Step<ConvergeScope> = {
  name: 'podSync',
  condition: CONTAINER_READY,
  run: async (scope) => {
    const desired = found(scope.desired, 'idle');
    const session = await podSyncSession(scope.ctx.client, scope.live.object, scope.worktree?.path, found(scope.provider, 'provider'), desired);
    if (desired.state !== 'Running' || initialSyncComplete(session)) return undefined;
    return waitForInitialSync(scope, session, 'waiting for the initial file sync into the pod before scripts and Ready');
  },
};

/** Reports the wait for `session`'s initial sync and ends the converge until it is due again. */
async function waitForInitialSync(scope: ConvergeScope, session: SyncSession, logMessage: string): Promise<StepOutcome> {
  await reportSyncWait(scope.live, session, scope.ctx.clock.now());
  scope.ctx.log.info({ syncsession: session.metadata.name }, logMessage);
  return finish({ requeueAfter: SYNC_WAIT_MS });
}

/**
 * Before waiting for the owned session's initial sync: a session that cannot complete it (halted,
 * refused: Stalled) fails the workspace terminally with its reason and message (no requeue; the
 * session's next status change wakes the workspace again). Once it can again, a failure reported
 * earlier is replaced by the wait, so no Stalled mark outlives the halt.
 */
async function reportSyncWait(live: LiveStatus, session: SyncSession, now: Date): Promise<void> {
  assertSyncNotStalled(session);
  if (terminalFailureOf(live.object) === undefined) return;
  const waiting = { status: 'False' as const, reason: WAITING_FOR_SYNC, message: `waiting for the initial file sync (syncsession/${session.metadata.name})` };
  const generation = live.object.metadata.generation;
  const observed = generation !== undefined ? { observedGeneration: generation } : {};
  let conditions = setCondition(live.object.status?.conditions, { type: CONTAINER_READY, ...waiting, ...observed }, now);
  conditions = setCondition(conditions, { type: READY, ...waiting, ...observed }, now);
  await live.write({ ...live.object.status, phase: 'Pending', conditions });
}

/** The owned SyncSession of a file-synced workspace (which needs a worktree to sync from). */
async function syncSession(client: ResourceClient, ws: Workspace, worktreePath: string | undefined): Promise<SyncSession> {
  if (worktreePath === undefined) throw new TerminalError(INVALID_SPEC, 'spec.sync.mode other than bind needs spec.repository: the worktree is what is synchronized');
  return ensureSyncSession(client, ws, worktreePath);
}

/** The owned SyncSession of a kubernetes workspace: beta is its workspace folder in the Pod. */
async function podSyncSession(client: ResourceClient, ws: Workspace, worktreePath: string | undefined, provider: Provider, desired: DesiredRuntime): Promise<SyncSession> {
  if (provider.syncAddress === undefined) throw new TerminalError(INVALID_SPEC, `spec.sync.mode: the ${provider.backend} backend cannot sync files`);
  if (worktreePath === undefined) throw new TerminalError(INVALID_SPEC, 'spec.sync.mode other than bind needs spec.repository: the worktree is what is synchronized');
  return ensureSyncSession(client, ws, worktreePath, provider.syncAddress(desired.target, desired.workdir));
}
