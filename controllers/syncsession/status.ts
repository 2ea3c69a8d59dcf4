/**
 * Pure mapping from a running engine's state to a SyncSession's status: phase, counters,
 * conflicts and the Ready / InitialSyncComplete conditions (and Stalled while halted).
 */
import type { SyncSessionStatus } from '../../apis/types/syncsession.ts';
import type { SyncEngineStatus } from '../sync/engine-api.ts';
import { setCondition } from '../runtime/conditions.ts';
import { withStalled } from '../runtime/stalled.ts';
import { outcomeMessage, type SyncRequestOutcome } from './requests.ts';
import { INITIAL_SYNC_COMPLETE, IN_SYNC, LAST_REQUEST, PAUSED, READY, REQUEST_DONE, REQUEST_FAILED, SYNCED, SYNCING, SYNC_ERROR } from '../../apis/names/index.ts';

/** What the runner knows about a session besides the engine's own status. */
export interface SessionFacts {
  engine: SyncEngineStatus;
  /** True once a cycle finished without a halt. */
  initialSyncDone: boolean;
  /** When the last cycle finished. */
  lastSyncAt?: Date;
  /** Duration of the last cycle that applied changes. */
  lastSyncLatencyMs?: number;
  /** The last cycle error, cleared by the next successful cycle. */
  lastError?: string;
  /** Outcome of the last request (flush, reset, resolve) handled by this daemon. */
  lastRequest?: SyncRequestOutcome;
  /** Why the engine is paused (the user's spec.paused, or the owning workspace's hold), for the Ready message. */
  pauseReason?: string;
}

/** The Ready condition's reason for a halt: `UnsafePath` when a side reported an unsafe path, else `Halted`. */
export function haltReason(halt: SyncEngineStatus['halted']): string {
  return halt?.reason === 'unsafe-path' ? 'UnsafePath' : 'Halted';
}

/** The status for `facts`, keeping `previous` conditions' transition times. */
export function sessionStatus(previous: SyncSessionStatus | undefined, facts: SessionFacts, generation: number | undefined, now: Date): SyncSessionStatus {
  const { engine } = facts;
  const phase: NonNullable<SyncSessionStatus['phase']> = engine.paused
    ? 'Paused'
    : engine.halted !== undefined
      ? 'Halted'
      : facts.lastError !== undefined
        ? 'Error'
        : engine.activity === 'idle'
          ? 'Watching'
          : 'Scanning';
  let conditions = setCondition(
    previous?.conditions,
    facts.initialSyncDone
      ? { type: INITIAL_SYNC_COMPLETE, status: 'True', reason: SYNCED, message: 'both sides agreed at least once' }
      : { type: INITIAL_SYNC_COMPLETE, status: 'False', reason: SYNCING, message: 'the initial sync has not completed yet' },
    now,
  );
  const ready =
    phase === 'Watching' && facts.initialSyncDone
      ? { status: 'True' as const, reason: IN_SYNC, message: engine.conflicts.length > 0 ? `${engine.conflicts.length} conflict(s) listed` : 'in sync' }
      : phase === 'Halted'
        ? { status: 'False' as const, reason: haltReason(engine.halted), message: engine.halted?.message ?? 'halted' }
        : phase === 'Error'
          ? { status: 'False' as const, reason: SYNC_ERROR, message: facts.lastError ?? 'error' }
          : phase === 'Paused'
            ? { status: 'False' as const, reason: PAUSED, message: facts.pauseReason ?? 'sync is paused' }
            : { status: 'False' as const, reason: SYNCING, message: 'synchronizing' };
  const observed = generation !== undefined ? { observedGeneration: generation } : {};
  // A halt needs the user (a reset, a resolve, a fixed tree): Stalled, so every wait on the session
  // (and the owning workspace's) ends at once; dropped by the first status that reports anything else.
  conditions =
    phase === 'Halted' ? withStalled(conditions, { reason: ready.reason, message: ready.message, ...observed }, now) : setCondition(conditions, { type: READY, ...ready, ...observed }, now);
  if (facts.lastRequest !== undefined) {
    const r = facts.lastRequest;
    conditions = setCondition(conditions, { type: LAST_REQUEST, status: r.ok ? 'True' : 'False', reason: r.ok ? REQUEST_DONE : REQUEST_FAILED, message: outcomeMessage(r) }, now);
  }
  const result = engine.lastResult;
  return {
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    phase,
    conditions,
    filesTotal: result?.filesTotal ?? previous?.filesTotal ?? 0,
    filesSynced: result?.filesSynced ?? previous?.filesSynced ?? 0,
    conflicts: engine.conflicts.map((c) => ({ path: c.path, type: c.type, alpha: c.alpha, beta: c.beta })),
    ...(facts.lastSyncAt !== undefined ? { lastSyncAt: facts.lastSyncAt.toISOString() } : previous?.lastSyncAt !== undefined ? { lastSyncAt: previous.lastSyncAt } : {}),
    ...(facts.lastSyncLatencyMs !== undefined ? { lastSyncLatencyMs: Math.round(facts.lastSyncLatencyMs) } : {}),
    bytesTransferred: engine.bytesTransferred,
    errorCount: engine.errorCount,
  };
}
