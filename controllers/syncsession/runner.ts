/**
 * Runs one sync engine per SyncSession inside the daemon, keyed by uid: started (or restarted on
 * a spec change) by the reconcile, paused/resumed as it says (`spec.paused` or a workspace hold), stopped on deletion. Engine
 * cycles and errors update the session's facts and wake the reconcile (at most every
 * `statusIntervalMs`), which writes the status when it changed. The ancestor lives in
 * `<state dir>/sync/<uid>/ancestor.json`, so a restarted daemon resumes without re-sending files.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { SyncSession } from '../../apis/types/syncsession.ts';
import { objectKey } from '../../apis/meta.ts';
import type { Logger } from '../runtime/logger.ts';
import { errorMessage } from '../runtime/errors.ts';
import { createFileAncestorStore } from '../sync/ancestor-store.ts';
import { createSyncEngine } from '../sync/engine.ts';
import type { CycleResult, SyncEngine, SyncSide } from '../sync/engine-api.ts';
import { openEndpoint, releaseEndpoint, type EndpointHints, type SyncProviders } from './endpoints.ts';
import type { SyncRequest, SyncRequestOutcome } from './requests.ts';
import type { SessionFacts } from './status.ts';

/** What the runner needs. */
export interface SyncRunnerDeps {
  stateDir: string;
  /** The providers whose sync capabilities open the sessions' non-local endpoints. */
  providers: SyncProviders;
  logger: Logger;
  /** Wakes the reconcile of the session with this store key. */
  onChange: (key: string) => void;
  /** Told when a cycle carried file changes for a session of workspace `namespace/name` (its activity). */
  onActivity?: (workspace: string, what: string) => void;
  /** Minimum interval between two wake-ups for status. Default 500 ms. */
  statusIntervalMs?: number;
  /** Engine timings (tests shorten them). */
  timings?: Parameters<typeof createSyncEngine>[0]['timings'];
}

interface Running {
  engine: SyncEngine;
  abort: AbortController;
  specKey: string;
  facts: Omit<SessionFacts, 'engine'>;
  watching: Promise<void>;
  lastNotify: number;
  timer: NodeJS.Timeout | undefined;
}

/** The part of the spec that needs a new engine when it changes (not `paused`). */
function specKey(session: SyncSession): string {
  const { alpha, beta, mode, conflict, exclude, maxEntryCount, maxStagingSize } = session.spec;
  return JSON.stringify([alpha, beta, mode, conflict, exclude, maxEntryCount, maxStagingSize]);
}

/** Directory of a session's persisted state. */
export function sessionStateDir(stateDir: string, uid: string): string {
  return join(stateDir, 'sync', uid);
}

/** See the module comment. */
export class SyncSessionRunner {
  readonly #deps: SyncRunnerDeps;
  readonly #running = new Map<string, Running>();

  constructor(deps: SyncRunnerDeps) {
    this.#deps = deps;
  }

  /** Starts the session's engine unless it runs with the same spec; pauses or resumes it (`paused`, default `spec.paused`). */
  async ensure(session: SyncSession, hints: EndpointHints = {}, pausedWanted = session.spec.paused === true): Promise<void> {
    const uid = session.metadata.uid!;
    const key = specKey(session);
    let running = this.#running.get(uid);
    if (running !== undefined && running.specKey !== key) {
      await this.stop(uid, { cleanup: false });
      running = undefined;
    }
    if (running === undefined) running = await this.#start(session, key, hints, pausedWanted);
    const paused = running.engine.status().paused;
    if (pausedWanted && !paused) await running.engine.pause();
    else if (!pausedWanted && paused) running.engine.resume();
  }

  /** The facts of a running session (undefined when it is not running). */
  facts(uid: string): SessionFacts | undefined {
    const running = this.#running.get(uid);
    return running === undefined ? undefined : { ...running.facts, engine: running.engine.status() };
  }

  /** Runs a full cycle now (`flush`); rejects when the session is not running. */
  flush(uid: string): Promise<CycleResult> {
    return this.#engine(uid).flush();
  }

  /** Resolves a conflict by keeping one side. */
  resolve(uid: string, path: string, keep: SyncSide): Promise<CycleResult> {
    return this.#engine(uid).resolve(path, keep);
  }

  /** Performs `request` once (by id) and records its outcome in the facts. */
  async handle(uid: string, request: SyncRequest): Promise<void> {
    const running = this.#running.get(uid);
    if (running === undefined || running.facts.lastRequest?.id === request.id) return;
    let outcome: SyncRequestOutcome;
    try {
      if (request.op === 'reset') {
        await running.engine.reset();
        outcome = { id: request.id, ok: true, message: 'ancestor forgotten; both trees are compared afresh' };
      } else {
        const result =
          request.op === 'flush' ? await running.engine.flush() : await running.engine.resolve(request.path!, request.keep === 'host' ? 'alpha' : 'beta');
        outcome = {
          id: request.id,
          ok: result.halted === undefined,
          message: result.halted?.message ?? `${result.changesApplied} change(s) applied, ${result.conflicts.length} conflict(s)`,
        };
      }
    } catch (err) {
      outcome = { id: request.id, ok: false, message: errorMessage(err) };
    }
    running.facts.lastRequest = outcome;
  }

  /** Forgets the ancestor (after a halt). */
  reset(uid: string): Promise<void> {
    return this.#engine(uid).reset();
  }

  /**
   * Stops the engine; with `cleanup` also the persisted state and what the backend made for
   * `beta` (Docker: the helper container, and with `removeVolume` — a workspace-owned session —
   * the sync volume once nothing uses it).
   */
  async stop(uid: string, options: { cleanup: boolean; beta?: string; removeVolume?: boolean }): Promise<void> {
    const running = this.#running.get(uid);
    this.#running.delete(uid);
    if (running !== undefined) {
      clearTimeout(running.timer);
      running.abort.abort();
      await running.watching.catch(() => undefined);
      await running.engine.close();
    }
    if (!options.cleanup) return;
    if (options.beta !== undefined) {
      await releaseEndpoint(options.beta, this.#deps.providers, uid, { removeVolume: options.removeVolume === true, logger: this.#deps.logger });
    }
    await rm(sessionStateDir(this.#deps.stateDir, uid), { recursive: true, force: true });
  }

  /** Stops every engine (daemon shutdown); persisted state stays. */
  async close(): Promise<void> {
    await Promise.all([...this.#running.keys()].map((uid) => this.stop(uid, { cleanup: false })));
  }

  #engine(uid: string): SyncEngine {
    const running = this.#running.get(uid);
    if (running === undefined) throw new Error(`sync session ${uid} is not running in this daemon`);
    return running.engine;
  }

  async #start(session: SyncSession, key: string, hints: EndpointHints, paused: boolean): Promise<Running> {
    const uid = session.metadata.uid!;
    const storeKey = objectKey(session);
    const log = this.#deps.logger.child({ syncsession: storeKey });
    const dir = sessionStateDir(this.#deps.stateDir, uid);
    const alpha = await openEndpoint(session.spec.alpha, this.#deps.providers, { ...hints, session: uid }, join(dir, 'digests-alpha.json'));
    const beta = await openEndpoint(session.spec.beta, this.#deps.providers, { ...hints, session: uid }, join(dir, 'digests-beta.json'));
    const spec = session.spec;
    const engine = createSyncEngine({
      alpha,
      beta,
      ...(spec.mode !== undefined ? { mode: spec.mode } : {}),
      ...(spec.conflict !== undefined && !(spec.mode === 'two-way-resolved' && spec.conflict === 'container-wins') ? { conflict: spec.conflict } : {}),
      ...(spec.exclude !== undefined ? { ignores: spec.exclude } : {}),
      limits: {
        ...(spec.maxEntryCount !== undefined ? { maxEntryCount: spec.maxEntryCount } : {}),
        ...(spec.maxStagingSize !== undefined ? { maxStagingSize: spec.maxStagingSize } : {}),
      },
      ancestorStore: createFileAncestorStore(join(sessionStateDir(this.#deps.stateDir, uid), 'ancestor.json')),
      ...(this.#deps.timings !== undefined ? { timings: this.#deps.timings } : {}),
      logger: log,
    });
    if (paused) await engine.pause();
    const abort = new AbortController();
    const running: Running = { engine, abort, specKey: key, facts: { initialSyncDone: false }, watching: Promise.resolve(), lastNotify: 0, timer: undefined };
    const notify = (): void => this.#notify(running, storeKey);
    running.watching = engine.watch(abort.signal, {
      onCycle: (result) => {
        if (result.halted === undefined) running.facts.initialSyncDone = true;
        running.facts.lastSyncAt = new Date();
        if (result.changesApplied > 0) running.facts.lastSyncLatencyMs = result.durationMs;
        if (result.changesApplied > 0 && spec.workspace !== undefined) this.#deps.onActivity?.(`${session.metadata.namespace ?? 'default'}/${spec.workspace}`, 'file sync');
        delete running.facts.lastError;
        notify();
      },
      onError: (err) => {
        running.facts.lastError = errorMessage(err);
        log.warn({ err: running.facts.lastError }, 'sync cycle failed');
        notify();
      },
    });
    this.#running.set(uid, running);
    notify();
    return running;
  }

  /** Wakes the reconcile at most every `statusIntervalMs`. */
  #notify(running: Running, key: string): void {
    const interval = this.#deps.statusIntervalMs ?? 500;
    if (running.timer !== undefined) return;
    const wait = Math.max(0, running.lastNotify + interval - Date.now());
    running.timer = setTimeout(() => {
      running.timer = undefined;
      running.lastNotify = Date.now();
      this.#deps.onChange(key);
    }, wait);
  }
}
