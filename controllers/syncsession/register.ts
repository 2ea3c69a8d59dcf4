/**
 * Registers the SyncSession controller on a manager (daemon mode only: the engines live in the
 * daemon process) and stops every engine when `signal` aborts.
 */
import Dockerode from 'dockerode';
import type { ClusterOptions } from '../providers/kubernetes/cluster.ts';
import type { SpriteClient } from '../providers/sprite/client.ts';
import type { Controller } from '../runtime/controller.ts';
import type { Logger } from '../runtime/logger.ts';
import type { Manager } from '../runtime/manager.ts';
import { syncSessionReconciler } from './reconcile.ts';
import { SyncSessionRunner, type SyncRunnerDeps } from './runner.ts';
import { runWorkspaceHoldWatch } from './workspace-hold.ts';
import type { ResourceClient } from '../../apis/client/types.ts';
import type { Clock } from '../runtime/clock.ts';
import type { TrustMode } from '../trust/policy.ts';
import { clusterPodReader } from '../trust/workspace-pod.ts';

/** Image of sync helper containers when neither an explicit one nor a local workspace image is known. */
export const DEFAULT_SYNC_HELPER_IMAGE = 'busybox:latest';

/** Options of `registerSyncSessions`. */
export interface RegisterSyncOptions {
  stateDir: string;
  logger: Logger;
  signal: AbortSignal;
  docker?: Dockerode;
  helperImage?: string;
  /** The cluster of `pod://` endpoints (Kubernetes workspaces); without it they fail to open. */
  kubernetes?: ClusterOptions;
  /** The Sprites API of `sprite://` endpoints (Sprite workspaces); without it they fail to open. */
  sprite?: SpriteClient;
  /**
   * The store and clock of a Workspace watch that wakes an owned session when its workspace starts
   * or stops (workspace-hold.ts); without it such changes are seen on the next resync.
   */
  workspaces?: { client: ResourceClient; clock: Clock };
  /** Whose identity the sessions may use (controllers/trust/policy.ts); default `local`. */
  trust?: TrustMode;
  /** Told when a session's cycle carried file changes (activity of its workspace). */
  onActivity?: (workspace: string, what: string) => void;
  /** Overrides for tests. */
  runner?: Partial<Pick<SyncRunnerDeps, 'statusIntervalMs' | 'timings'>>;
}

/** Adds the controller; returns the runner (for flush/resolve requests over the daemon socket). */
export function registerSyncSessions(manager: Manager, options: RegisterSyncOptions): SyncSessionRunner {
  const enqueue = (key: string): void => controller.enqueue(key, 'watch');
  const runner = new SyncSessionRunner({
    stateDir: options.stateDir,
    logger: options.logger.child({ component: 'sync' }),
    endpoints: {
      docker: options.docker ?? new Dockerode(),
      helperImage: options.helperImage ?? process.env['BOULDER_SYNC_HELPER_IMAGE'] ?? DEFAULT_SYNC_HELPER_IMAGE,
      helperImageFixed: (options.helperImage ?? process.env['BOULDER_SYNC_HELPER_IMAGE']) !== undefined,
      labels: { 'app.kubernetes.io/managed-by': 'boulder', 'nexus.dev/component': 'sync-helper' },
      ...(options.kubernetes !== undefined ? { kubernetes: options.kubernetes } : {}),
      ...(options.sprite !== undefined ? { sprite: options.sprite } : {}),
    },
    onChange: enqueue,
    ...(options.onActivity !== undefined ? { onActivity: options.onActivity } : {}),
    ...options.runner,
  });
  const trust = options.trust ?? 'local';
  const controller: Controller = manager.add({ kind: 'SyncSession', reconcile: syncSessionReconciler(runner, trust, trust === 'cluster' && options.kubernetes !== undefined ? clusterPodReader(options.kubernetes) : undefined), resyncPeriodMs: 60_000 });
  options.signal.addEventListener('abort', () => void runner.close(), { once: true });
  if (options.workspaces !== undefined && !options.signal.aborted) {
    const log = options.logger.child({ component: 'sync-workspace-hold' });
    void runWorkspaceHoldWatch({ ...options.workspaces, log, signal: options.signal, enqueue });
  }
  return runner;
}
