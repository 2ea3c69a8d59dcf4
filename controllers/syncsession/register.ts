/**
 * Registers the SyncSession controller on a manager, with its declared watch of Workspaces (a
 * workspace's state holds its session: workspace-hold.ts). Endpoints other than local paths are
 * opened by the sync capabilities of the given providers (endpoints.ts). The engines live in the process that
 * runs the manager: they are stopped when the manager stops (`onStop`) or when the caller's
 * `signal` aborts. The daemon registers it `longRunningOnly`: a one-shot reconcile leaves
 * SyncSessions alone.
 */
import type { ClusterOptions } from '../providers/kubernetes/cluster.ts';
import { createProviderRegistry } from '../providers/registry.ts';
import type { Controller } from '../runtime/controller.ts';
import type { Logger } from '../runtime/logger.ts';
import type { Manager } from '../runtime/manager.ts';
import { syncSessionReconciler } from './reconcile.ts';
import { SyncSessionRunner, type SyncRunnerDeps } from './runner.ts';
import { workspaceHoldWatch } from './workspace-hold.ts';
import type { TrustMode } from '../trust/policy.ts';
import type { MultiUserOptions } from '../multi-user/owner.ts';
import { clusterPodReader } from '../trust/workspace-pod.ts';
import type { SyncProviders } from './endpoints.ts';

/** Options of `registerSyncSessions`. */
export interface RegisterSyncOptions {
  stateDir: string;
  logger: Logger;
  /** Also stops every engine when it aborts (for a caller that runs the manager with runUntilIdle). */
  signal?: AbortSignal;
  /** Reconciled only by a started manager (ControllerOptions.longRunningOnly); default false. */
  longRunningOnly?: boolean;
  /**
   * The providers whose sync capabilities open `docker://`, `volume://`, `pod://` and `sprite://`
   * endpoints (the manager's provider registry); default none: only local paths open.
   */
  providers?: SyncProviders;
  /** The cluster whose Pods cluster trust checks before every exec into a `pod://` endpoint (trust/workspace-pod.ts). */
  kubernetes?: ClusterOptions;
  /** Whose identity the sessions may use (controllers/trust/policy.ts); default `local`. */
  trust?: TrustMode;
  /** Multi-user node: every session is refused (the engine would run with the daemon's rights). */
  multiUser?: MultiUserOptions;
  /** Told when a session's cycle carried file changes (activity of its workspace). */
  onActivity?: (workspace: string, what: string) => void;
  /** Overrides for tests. */
  runner?: Partial<Pick<SyncRunnerDeps, 'statusIntervalMs' | 'timings'>>;
}

/** Adds the controller; returns the runner (for flush/resolve requests over the daemon socket). */
export function registerSyncSessions(manager: Manager, options: RegisterSyncOptions): SyncSessionRunner {
  const enqueue = (key: string): void => controller.enqueue(key, 'watch', 'its sync engine reported a change');
  const runner = new SyncSessionRunner({
    stateDir: options.stateDir,
    logger: options.logger.child({ component: 'sync' }),
    providers: options.providers ?? createProviderRegistry([]),
    onChange: enqueue,
    ...(options.onActivity !== undefined ? { onActivity: options.onActivity } : {}),
    ...options.runner,
  });
  const trust = options.trust ?? 'local';
  const controller: Controller = manager.add({
    kind: 'SyncSession',
    reconcile: syncSessionReconciler({ runner, trust, ...(options.multiUser !== undefined ? { multiUser: options.multiUser } : {}), ...(trust === 'cluster' && options.kubernetes !== undefined ? { readPod: clusterPodReader(options.kubernetes) } : {}) }),
    watches: [workspaceHoldWatch()],
    longRunningOnly: options.longRunningOnly ?? false,
    resyncPeriodMs: 60_000,
  });
  options.signal?.addEventListener('abort', () => void runner.close(), { once: true });
  manager.onStop(() => runner.close());
  return runner;
}
