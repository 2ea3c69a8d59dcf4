/**
 * Registers the Workspace controller on a manager: the reconciler, the kinds it owns (its
 * PortBindings and SyncSession), the activity record's wake-ups, and — as runnables, so only
 * while a started manager (the daemon) runs — each provider's drift event stream, whose hints
 * reach the Workspace controller and every controller watching Workspaces (Manager.hint).
 */
import { objectKey } from '../../apis/meta.ts';
import type { Controller } from '../runtime/controller.ts';
import { errorMessage } from '../runtime/errors.ts';
import type { Logger } from '../runtime/logger.ts';
import type { Manager } from '../runtime/manager.ts';
import type { ProviderRegistry } from '../providers/registry.ts';
import type { Provider } from '../providers/types.ts';
import type { WorkspaceTrustContext } from '../trust/policy.ts';
import type { ActivityTracker } from './activity.ts';
import { workspaceReconciler } from './reconcile.ts';
import type { MultiUserOptions } from '../multi-user/owner.ts';

/** Default Workspace resync period: the background drift check. */
export const WORKSPACE_RESYNC_MS = 30_000;

/**
 * Workspace reconciles run in parallel. Sized for the engine, not for this process: a reconcile
 * spends its time waiting on the engine (network, create, start) and git, which take many requests
 * at once, while the controller's own CPU per reconcile is a few ms. It is above the batches users
 * apply at once (20 in the bench) because the engine serialises network creation: with fewer
 * workers, the workspaces past the pool wait for a whole converge (network + create + start)
 * before even queueing their network, and the engine's network creation sits idle meanwhile (the
 * 20-at-once bench: 10 workers took 1.2–1.25× the time of 16 or 24, interleaved, N=5). Git stays
 * bounded by the per-repository lock (worktree/repository-lock.ts); concurrent observes share one
 * listing (providers/docker/snapshot-batch.ts), so more workers mean fewer list calls, not more.
 */
export const WORKSPACE_CONCURRENCY = 32;

/** Delay of the second look after a provider drift hint. */
export const DRIFT_RECHECK_MS = 250;

/** What `registerWorkspaces` needs. */
export interface WorkspaceRegisterDeps {
  logger: Logger;
  providers: ProviderRegistry;
  trust: WorkspaceTrustContext;
  activity: ActivityTracker;
  /** `workspace.idle_timeout` of the layered configuration, for workspaces whose spec sets none. */
  defaultIdleTimeout?: string;
  /** Resync period in ms (drift check); default WORKSPACE_RESYNC_MS. */
  resyncMs?: number;
  /** Multi-user node: effects run with the rights of each workspace's owner. */
  multiUser?: MultiUserOptions;
}

/** Adds the Workspace controller (see the module comment); returns it. */
export function registerWorkspaces(manager: Manager, deps: WorkspaceRegisterDeps): Controller {
  const workspaces = manager.add({
    kind: 'Workspace',
    reconcile: workspaceReconciler({
      providers: deps.providers,
      trust: deps.trust,
      activity: deps.activity,
      ...(deps.defaultIdleTimeout !== undefined ? { defaultIdleTimeout: deps.defaultIdleTimeout } : {}),
      ...(deps.multiUser !== undefined ? { multiUser: deps.multiUser } : {}),
    }),
    owns: ['PortBinding', 'SyncSession'],
    concurrency: WORKSPACE_CONCURRENCY,
    resyncPeriodMs: deps.resyncMs ?? WORKSPACE_RESYNC_MS,
  });
  deps.activity.connect((key) => workspaces.enqueue(key, 'watch', 'activity'));
  for (const provider of deps.providers.all()) {
    if (provider.events !== undefined) manager.addRunnable(`${provider.backend}-events`, (signal) => pumpProviderEvents(provider, manager, workspaces, deps.logger, signal));
  }
  return workspaces;
}

/**
 * Feeds a provider's drift hints to the controllers until `signal` aborts: the workspace and
 * whatever watches it (its PortBindings: a container restarted outside boulder may have a new
 * address), and the workspace once more shortly after.
 */
async function pumpProviderEvents(provider: Provider, manager: Manager, workspaces: Controller, logger: Logger, signal: AbortSignal): Promise<void> {
  const log = logger.child({ component: 'provider-events', backend: provider.backend });
  try {
    for await (const event of provider.events!(signal)) {
      log.debug({ workspace: event.name, reason: event.reason }, 'drift hint');
      const key = objectKey({ metadata: { namespace: event.namespace, name: event.name } });
      manager.hint('Workspace', key, `${provider.backend} drift hint: ${event.reason}`);
      // Docker emits some events (pause, die) before its listings show the new state: look again
      // shortly after, so the repair never waits for the periodic resync.
      workspaces.queue.addAfter(key, DRIFT_RECHECK_MS);
    }
  } catch (err) {
    if (!signal.aborted) log.error({ err: errorMessage(err) }, 'provider event stream ended');
  }
}
