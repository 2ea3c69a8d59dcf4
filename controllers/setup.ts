/**
 * Wires boulder's controllers into a Manager: the Workspace controller with the providers this
 * process can use (Docker and the in-memory mock by default; a Docker engine that does not answer
 * makes docker workspaces report EngineUnavailable and retry with backoff), and (when a shutdown signal is given, i.e. in the long-running daemon) the
 * providers' drift event streams, which enqueue the affected workspace at once.
 */
import type { ResourceClient } from '../apis/client/types.ts';
import { objectKey } from '../apis/meta.ts';
import type { Clock } from './runtime/clock.ts';
import type { Logger } from './runtime/logger.ts';
import type { Manager } from './runtime/manager.ts';
import type { Controller } from './runtime/controller.ts';
import { errorMessage } from './runtime/errors.ts';
import { createDockerProvider } from './providers/docker/index.ts';
import { MockProvider } from './providers/mock/mock-provider.ts';
import { createProviderRegistry, type ProviderRegistry } from './providers/registry.ts';
import type { Provider } from './providers/types.ts';
import { workspaceReconciler } from './workspace/reconcile.ts';

/** What the controllers run with. */
export interface ControllerSetupDeps {
  client: ResourceClient;
  clock: Clock;
  logger: Logger;
  stateDir: string;
  /** Providers to use; default: Docker (local engine or DOCKER_HOST) and the in-memory mock. */
  providers?: Provider[];
  /** When given, provider event streams run until it aborts (daemon mode). */
  signal?: AbortSignal;
  /** Workspace resync period in ms (drift check); default 30 s. */
  resyncPeriodMs?: number;
}

/** Default Workspace resync period: the background drift check. */
export const WORKSPACE_RESYNC_MS = 30_000;

/** Registers every controller on `manager`; returns the provider registry in use. */
export function registerControllers(manager: Manager, deps: ControllerSetupDeps): ProviderRegistry {
  const providers = createProviderRegistry(deps.providers ?? [createDockerProvider({ logger: deps.logger }), new MockProvider()]);
  const workspaces = manager.add({
    kind: 'Workspace',
    reconcile: workspaceReconciler({ providers }),
    resyncPeriodMs: deps.resyncPeriodMs ?? WORKSPACE_RESYNC_MS,
  });
  if (deps.signal !== undefined) {
    for (const provider of providers.all()) pumpProviderEvents(provider, workspaces, deps.logger, deps.signal);
  }
  return providers;
}

/** Feeds a provider's drift hints into the Workspace queue until `signal` aborts. */
function pumpProviderEvents(provider: Provider, workspaces: Controller, logger: Logger, signal: AbortSignal): void {
  if (provider.events === undefined) return;
  const log = logger.child({ component: 'provider-events', backend: provider.backend });
  const pump = async (): Promise<void> => {
    for await (const event of provider.events!(signal)) {
      log.debug({ workspace: event.name, reason: event.reason }, 'drift hint');
      workspaces.queue.add(objectKey({ metadata: { namespace: event.namespace, name: event.name } }));
    }
  };
  pump().catch((err: unknown) => {
    if (!signal.aborted) log.error({ err: errorMessage(err) }, 'provider event stream ended');
  });
}
