/**
 * The controller runtime: manager, controllers and work queue, the clock they run on, backoff,
 * reconcile outcomes (TerminalError, requeueAfter), reconciles as named steps, condition and
 * finalizer helpers, and logging.
 * Test helpers live in `./testing.ts` and are not re-exported here.
 */
export { backoffDelay, createItemBackoff, DEFAULT_BACKOFF, type BackoffOptions, type ItemBackoff } from './backoff.ts';
export { FakeClock, realClock, settle, type Clock } from './clock.ts';
export { CONDITION_REASON_PATTERN, conditionsEqual, getCondition, isConditionTrue, setCondition, summarizeReady, toConditionReason, type ConditionInput, type SummarizeOptions } from './conditions.ts';
export {
  Controller,
  DEFAULT_CONCURRENCY,
  DEFAULT_RESYNC_PERIOD_MS,
  type ControllerOptions,
  type ControllerStats,
  type ReconcileContext,
  type ReconcileRequest,
  type ReconcileResult,
  type Reconciler,
  type TerminalErrorHandler,
} from './controller.ts';
export { errorMessage, isTerminalError, TerminalError } from './errors.ts';
export {
  addFinalizer,
  hasFinalizer,
  isBeingDeleted,
  reconcileWithFinalizer,
  removeFinalizer,
  type FinalizerHandlers,
} from './finalizers.ts';
export { runInformer, type InformerOptions, type InformerSource } from './informer.ts';
export {
  closeLogger,
  createLogger,
  logReconcileOutcome,
  newReconcileId,
  reconcileLogger,
  silentLogger,
  type Logger,
  type LoggerOptions,
  type ReconcileLogFields,
  type ReconcileOutcome,
  type ReconcileSummary,
  type ReconcileTrigger,
} from './logger.ts';
export {
  DEFAULT_STOP_TIMEOUT_MS,
  Manager,
  type ManagerOptions,
  type Runnable,
  type RunUntilIdleOptions,
  type RunUntilIdleResult,
} from './manager.ts';
export { controllerOwnerKey } from './owners.ts';
export { changedBeyondStatus } from './predicates.ts';
export { stopOnSignals, type SignalStop, type StopOnSignalsOptions } from './signals.ts';
export { concurrently, finish, found, runSteps, stepNames, type ConcurrentSteps, type Finish, type Step, type StepEntry, type StepListOptions, type StepOutcome, type StepTimer } from './steps.ts';
export { recordTerminalCondition } from './terminal-condition.ts';
export { ObjectCache, watches, type CachedObjects, type MappedRequest, type Watch, type WatchMapFn } from './watches.ts';
export { WorkQueue, type DelayedItem, type WorkQueueOptions } from './workqueue.ts';
