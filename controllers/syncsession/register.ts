/**
 * Registers the SyncSession controller on a manager, with its declared watch of Workspaces (a
 * workspace's state holds its session: workspace-hold.ts). The engines live in the process that
 * runs the manager: they are stopped when the manager stops (`onStop`) or when the caller's
 * `signal` aborts. The daemon registers it `longRunningOnly`: a one-shot reconcile leaves
 * SyncSessions alone.
 */
import Dockerode from 'dockerode';
import type { ClusterOptions } from '../providers/kubernetes/cluster.ts';
import type { SpriteClient } from '../providers/sprite/client.ts';
import type { Controller } from '../runtime/controller.ts';
import type { Logger } from '../runtime/logger.ts';
import type { Manager } from '../runtime/manager.ts';
import { syncSessionReconciler } from './reconcile.ts';
import { SyncSessionRunner, type SyncRunnerDeps } from './runner.ts';
import { workspaceHoldWatch } from './workspace-hold.ts';
import type { TrustMode } from '../trust/policy.ts';
import type { MultiUserOptions } from '../multi-user/owner.ts';
import { clusterPodReader } from '../trust/workspace-pod.ts';
import { COMPONENT_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../../apis/names/index.ts';

/** Image of sync helper containers when neither an explicit one nor a local workspace image is known. */
export const DEFAULT_SYNC_HELPER_IMAGE = 'busybox:latest';

/** Options of `registerSyncSessions`. */
export interface RegisterSyncOptions {
  stateDir: string;
  logger: Logger;
  /** Also stops every engine when it aborts (for a caller that runs the manager with runUntilIdle). */
  signal?: AbortSignal;
  /** Reconciled only by a started manager (ControllerOptions.longRunningOnly); default false. */
  longRunningOnly?: boolean;
  docker?: Dockerode;
  helperImage?: string;
  /** The cluster of `pod://` endpoints (Kubernetes workspaces); without it they fail to open. */
  kubernetes?: ClusterOptions;
  /** The Sprites API of `sprite://` endpoints (Sprite workspaces); without it they fail to open. */
  sprite?: SpriteClient;
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
    endpoints: {
      docker: options.docker ?? new Dockerode(),
      helperImage: options.helperImage ?? process.env['BOULDER_SYNC_HELPER_IMAGE'] ?? DEFAULT_SYNC_HELPER_IMAGE,
      helperImageFixed: (options.helperImage ?? process.env['BOULDER_SYNC_HELPER_IMAGE']) !== undefined,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [COMPONENT_LABEL]: 'sync-helper' },
      ...(options.kubernetes !== undefined ? { kubernetes: options.kubernetes } : {}),
      ...(options.sprite !== undefined ? { sprite: options.sprite } : {}),
    },
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
