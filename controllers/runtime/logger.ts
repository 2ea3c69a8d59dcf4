/**
 * Structured logging for the controller runtime: one root pino logger writing JSON lines, and one
 * child per reconcile carrying kind, key, reconcile id and trigger, which ends with exactly one
 * `reconciled` summary line.
 */
import { randomBytes } from 'node:crypto';
import { pino, type DestinationStream, type Level, type LevelWithSilent, type Logger } from 'pino';

/** The pino logger type, re-exported so callers need not import pino. */
export type { Logger } from 'pino';

/** Options of the root logger. */
export interface LoggerOptions {
  /** Minimum level written. Default `info`. */
  level?: LevelWithSilent;
  /**
   * Where JSON lines go: a file path (created with its directory, appended to), a file descriptor,
   * or a stream. Default: stderr. Paths and descriptors are written asynchronously
   * (`pino.destination` with `sync: false`); call `closeLogger` before exiting.
   */
  destination?: string | number | DestinationStream;
  /** Fields added to every line (e.g. `{ component: 'daemon' }`). */
  base?: Record<string, unknown>;
}

/** Asynchronous destinations opened by `createLogger`, closed by `closeLogger`. */
const ownedDestinations = new WeakMap<Logger, ReturnType<typeof pino.destination>>();

/** Creates the root logger. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const { level = 'info', destination = 2, base } = options;
  const owned =
    typeof destination === 'string' || typeof destination === 'number'
      ? pino.destination({ dest: destination, sync: false, mkdir: typeof destination === 'string' })
      : undefined;
  const logger = pino(
    { level, base: { pid: process.pid, ...base }, timestamp: pino.stdTimeFunctions.isoTime },
    owned ?? (destination as DestinationStream),
  );
  if (owned !== undefined) ownedDestinations.set(logger, owned);
  return logger;
}

/** A logger that writes nothing (the default of a Manager without one). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/**
 * Writes out everything a root logger made by `createLogger` still buffers and closes the file it
 * opened (stderr stays open). Streams passed in by the caller are left to the caller. Log nothing
 * through the logger or its children afterwards.
 */
export function closeLogger(logger: Logger): Promise<void> {
  const stream = ownedDestinations.get(logger);
  if (stream === undefined) return Promise.resolve();
  ownedDestinations.delete(logger);
  return new Promise((resolve) => {
    stream.once('close', () => resolve());
    stream.once('error', () => resolve());
    stream.end();
  });
}

/** What made a key reconcile (for logs only: reconcilers never see it). */
export type ReconcileTrigger = 'initial' | 'watch' | 'owned' | 'resync' | 'requeue' | 'retry' | 'manual';

/** Fields bound to every line of one reconcile. */
export interface ReconcileLogFields {
  kind: string;
  /** `namespace/name`. */
  key: string;
  reconcileId: string;
  trigger: ReconcileTrigger;
  /** Why the key was enqueued, when the enqueue said (a watched or owned object's event, a hint). */
  cause?: string;
}

/** The child logger of one reconcile. */
export function reconcileLogger(root: Logger, fields: ReconcileLogFields): Logger {
  return root.child({ kind: fields.kind, key: fields.key, reconcileId: fields.reconcileId, trigger: fields.trigger, ...(fields.cause !== undefined ? { cause: fields.cause } : {}) });
}

let reconcileCounter = 0;
const processTag = randomBytes(2).toString('hex');

/** A short id unique within the process and unlikely to repeat across processes, e.g. `3fa1-2c`. */
export function newReconcileId(): string {
  reconcileCounter += 1;
  return `${processTag}-${reconcileCounter.toString(36)}`;
}

/** How one reconcile ended. */
export type ReconcileOutcome = 'done' | 'requeue' | 'error' | 'terminal';

/** The fields of the one summary line logged per reconcile. */
export interface ReconcileSummary {
  outcome: ReconcileOutcome;
  durationMs: number;
  /** For `requeue`: the requested delay; for `error`: the backoff before the retry. */
  requeueAfterMs?: number;
  /** For `error` and `terminal`: the error's message. */
  error?: string;
  /** For `terminal`: the condition reason. */
  reason?: string;
}

const levelByOutcome: Record<ReconcileOutcome, Level> = {
  done: 'info',
  requeue: 'info',
  error: 'warn',
  terminal: 'error',
};

/** Logs the `reconciled` summary line of one reconcile (info; warn for retried errors; error for terminal ones). */
export function logReconcileOutcome(log: Logger, summary: ReconcileSummary): void {
  const fields: Record<string, unknown> = { outcome: summary.outcome, durationMs: summary.durationMs };
  if (summary.requeueAfterMs !== undefined) fields['requeueAfterMs'] = summary.requeueAfterMs;
  if (summary.error !== undefined) fields['error'] = summary.error;
  if (summary.reason !== undefined) fields['reason'] = summary.reason;
  log[levelByOutcome[summary.outcome]](fields, 'reconciled');
}
