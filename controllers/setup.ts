/**
 * Wires boulder's controllers into a Manager: the Workspace controller with the providers this
 * process can use (Docker and the in-memory mock by default; a Docker engine that does not answer
 * makes docker workspaces report EngineUnavailable and retry with backoff) and the PortBinding
 * controller. When a shutdown signal is given (the long-running daemon) also the providers' drift
 * event streams, which enqueue the affected workspace at once, the port forwarders (closed when
 * the signal aborts) and the Workspace watch that wakes the PortBindings a workspace change
 * concerns. Without it (`reconcile --once`) ports are allocated but not forwarded. With a
 * `kubernetes` dep the Kubernetes provider (workspaces as Pods) joins the providers; with a `sprite`
 * dep the Sprite provider (workspaces as Sprites microVMs; controllers/providers/sprite).
 * `trust` (controllers/trust/policy.ts) says whose identity the objects may use: `cluster` for a
 * store that is a cluster — then workspaces and sessions are admitted only within their namespace,
 * and the Kubernetes provider never holds secret values.
 */
import type { ResourceClient } from '../apis/client/types.ts';
import { objectKey } from '../apis/meta.ts';
import type { Clock } from './runtime/clock.ts';
import type { Logger } from './runtime/logger.ts';
import type { Manager } from './runtime/manager.ts';
import type { Controller } from './runtime/controller.ts';
import { errorMessage } from './runtime/errors.ts';
import { createDockerProvider } from './providers/docker/index.ts';
import { LazyKubernetesProvider } from './providers/kubernetes/lazy.ts';
import type { KubernetesProviderOptions } from './providers/kubernetes/kubernetes-provider.ts';
import { MockProvider } from './providers/mock/mock-provider.ts';
import { SpriteProvider, type SpriteProviderOptions } from './providers/sprite/sprite-provider.ts';
import { createProviderRegistry, type ProviderRegistry } from './providers/registry.ts';
import type { Provider } from './providers/types.ts';
import { workspaceReconciler } from './workspace/reconcile.ts';
import { ActivityTracker } from './workspace/activity.ts';
import type { ForwardSpec } from './portbinding/contracts.ts';
import type { PortRange } from './portbinding/contracts.ts';
import type { ExposurePolicy } from './portbinding/exposure.ts';
import { PortForwarding, type UpstreamChange } from './portbinding/forwarding.ts';
import { portBindingReconciler } from './portbinding/reconcile.ts';
import { PortBindingWaker } from './portbinding/workspace-events.ts';
import { registerSyncSessions } from './syncsession/register.ts';
import type { TrustMode } from './trust/policy.ts';

/** What the controllers run with. */
export interface ControllerSetupDeps {
  client: ResourceClient;
  clock: Clock;
  logger: Logger;
  stateDir: string;
  /** Providers to use; default: Docker (local engine or DOCKER_HOST) and the in-memory mock. */
  providers?: Provider[];
  /**
   * A cluster for `backend: kubernetes` workspaces: adds the Kubernetes provider (loaded on first
   * use) to the providers above. Set `ownerReferences` only when the Workspaces live in that cluster.
   */
  kubernetes?: Pick<KubernetesProviderOptions, 'kubeconfig' | 'context' | 'namespace' | 'ownerReferences' | 'storageClassName' | 'kubeConfig'>;
  /**
   * Whose identity the objects may use: `local` (default: the embedded store, the user's own) or
   * `cluster` (the store is a Kubernetes API: set it whenever it is; see controllers/trust/policy.ts).
   */
  trust?: TrustMode;
  /** The Sprites API for `backend: sprite` workspaces: adds the Sprite provider (and sprite:// sync endpoints). */
  sprite?: SpriteProviderOptions;
  /** When given, provider event streams run until it aborts (daemon mode). */
  signal?: AbortSignal;
  /** Workspace resync period in ms (drift check); default 30 s. */
  resyncPeriodMs?: number;
  /**
   * The port forwarders to use (the caller closes them). Default: in daemon mode (`signal`
   * given) a new set, closed when the signal aborts; otherwise none (ports are not forwarded).
   */
  forwarding?: PortForwarding;
  /** The user's port_range: narrows where host ports are allocated. */
  portRange?: PortRange;
  /** The node's permission to listen beyond loopback; default: every port listens on loopback. */
  exposure?: ExposurePolicy;
  /** PortBinding resync period in ms; default 5 min. */
  portBindingResyncMs?: number;
  /** Delay before a PortBinding whose host port is held by someone else tries again; default 2 s. */
  portConflictRetryMs?: number;
  /**
   * The daemon's activity record (idle timeout, wake on demand); default: a new one. The API server
   * records exec sessions and API calls in it.
   */
  activity?: ActivityTracker;
  /** `workspace.idle_timeout` of the layered configuration, for workspaces whose spec sets none. */
  defaultIdleTimeout?: string;
}

/** Default Workspace resync period: the background drift check. */
export const WORKSPACE_RESYNC_MS = 30_000;

/**
 * Default PortBinding resync period. Workspace events and provider drift hints wake bindings at
 * once; the resync is the safety net (e.g. a missed hint), so it is as long as the runtime's default.
 */
export const PORTBINDING_RESYNC_MS = 5 * 60 * 1000;

/** Delay of the second look after a provider drift hint. */
export const DRIFT_RECHECK_MS = 250;

/** Registers every controller on `manager`; returns the provider registry in use. */
export function registerControllers(manager: Manager, deps: ControllerSetupDeps): ProviderRegistry {
  const trust = deps.trust ?? 'local';
  const base = deps.providers ?? [createDockerProvider({ logger: deps.logger }), new MockProvider()];
  const kubernetes =
    deps.kubernetes === undefined
      ? []
      : [new LazyKubernetesProvider({ ...deps.kubernetes, clock: deps.clock, logger: deps.logger, ...(trust === 'cluster' ? { secretValues: false } : {}) })];
  const sprite = deps.sprite === undefined ? undefined : new SpriteProvider(deps.sprite);
  const providers = createProviderRegistry([...base, ...kubernetes, ...(sprite !== undefined ? [sprite] : [])], {
    sprite: 'configure backends.sprite.api_key (e.g. env:SPRITES_TOKEN or keychain:sprites/me) and restart the daemon',
  });
  const activity = deps.activity ?? new ActivityTracker({ now: () => deps.clock.now() });
  const workspaces = manager.add({
    kind: 'Workspace',
    reconcile: workspaceReconciler({
      providers,
      trust: { trust, ...(deps.kubernetes?.namespace !== undefined ? { podNamespace: deps.kubernetes.namespace } : {}) },
      activity,
      ...(deps.defaultIdleTimeout !== undefined ? { defaultIdleTimeout: deps.defaultIdleTimeout } : {}),
    }),
    owns: ['PortBinding', 'SyncSession'],
    resyncPeriodMs: deps.resyncPeriodMs ?? WORKSPACE_RESYNC_MS,
  });
  activity.connect((key) => workspaces.enqueue(key, 'watch'));
  const waker = registerPortBindings(manager, deps, providers, activity);
  // Sync engines live in the daemon only (a one-shot reconcile leaves SyncSessions alone).
  if (deps.signal !== undefined && !deps.signal.aborted) {
    registerSyncSessions(manager, {
      stateDir: deps.stateDir,
      logger: deps.logger,
      signal: deps.signal,
      trust,
      workspaces: { client: deps.client, clock: deps.clock },
      onActivity: (key, what) => activity.record(key, what),
      ...(deps.kubernetes !== undefined ? { kubernetes: deps.kubernetes } : {}),
      ...(sprite !== undefined ? { sprite: sprite.client } : {}),
    });
  }
  if (deps.signal !== undefined) {
    for (const provider of providers.all()) pumpProviderEvents(provider, workspaces, waker, deps.logger, deps.signal);
  }
  return providers;
}

/**
 * The PortBinding controller, its forwarders and (daemon mode) the Workspace watch that wakes it;
 * returns the waker in daemon mode.
 */
function registerPortBindings(manager: Manager, deps: ControllerSetupDeps, providers: ProviderRegistry, activity: ActivityTracker): PortBindingWaker | undefined {
  const { signal } = deps;
  // The reconciler enqueues through the controller that runs it (bindings handing a fixed port over).
  const enqueue = (key: string): void => controller.enqueue(key, 'watch');
  const forwarding = deps.forwarding ?? (signal === undefined ? undefined : new PortForwarding({ onUpstreamChange: upstreamReporter(deps.logger, enqueue), pool: { beforeConnect: wakeOnConnect(activity) } }));
  if (forwarding !== undefined) activity.setProbe((key) => (forwarding.hasOpenConnection(key) ? 'open connection on a forwarded port' : undefined));
  if (deps.forwarding === undefined && forwarding !== undefined && signal !== undefined) {
    signal.addEventListener('abort', () => void forwarding.close(), { once: true });
  }
  const controller: Controller = manager.add({
    kind: 'PortBinding',
    reconcile: portBindingReconciler({
      providers,
      enqueue,
      ...(forwarding !== undefined ? { forwarding } : {}),
      ...(deps.portRange !== undefined ? { portRange: deps.portRange } : {}),
      ...(deps.exposure !== undefined ? { exposure: deps.exposure } : {}),
      ...(deps.portConflictRetryMs !== undefined ? { conflictRetryMs: deps.portConflictRetryMs } : {}),
    }),
    resyncPeriodMs: deps.portBindingResyncMs ?? PORTBINDING_RESYNC_MS,
  });
  if (signal === undefined || signal.aborted) return undefined;
  const log = deps.logger.child({ component: 'portbinding-workspace-events' });
  const waker = new PortBindingWaker({ client: deps.client, clock: deps.clock, log, signal, enqueue });
  void waker.run();
  return waker;
}

/**
 * Logs a binding whose connections start (or stop) failing to reach the target — e.g. a Pod's
 * port-forward refused by the API server — and wakes the binding so its status says so.
 */
function upstreamReporter(logger: Logger, enqueue: (key: string) => void): (change: UpstreamChange) => void {
  const log = logger.child({ component: 'port-forwarding' });
  return ({ key, failure }) => {
    if (failure === undefined) log.info({ binding: key }, `portbinding ${key}: connections reach the target again`);
    else log.warn({ binding: key, failure }, `portbinding ${key}: a connection failed to reach the target: ${failure}`);
    enqueue(key);
  };
}

/**
 * Feeds a provider's drift hints into the Workspace queue until `signal` aborts, and wakes the
 * workspace's PortBindings (a container restarted outside boulder may have a new address).
 */
function pumpProviderEvents(provider: Provider, workspaces: Controller, waker: PortBindingWaker | undefined, logger: Logger, signal: AbortSignal): void {
  if (provider.events === undefined) return;
  const log = logger.child({ component: 'provider-events', backend: provider.backend });
  const pump = async (): Promise<void> => {
    for await (const event of provider.events!(signal)) {
      log.debug({ workspace: event.name, reason: event.reason }, 'drift hint');
      const key = objectKey({ metadata: { namespace: event.namespace, name: event.name } });
      workspaces.queue.add(key);
      // Docker emits some events (pause, die) before its listings show the new state: look again
      // shortly after, so the repair never waits for the periodic resync.
      workspaces.queue.addAfter(key, DRIFT_RECHECK_MS);
      waker?.wake(key);
    }
  };
  pump().catch((err: unknown) => {
    if (!signal.aborted) log.error({ err: errorMessage(err) }, 'provider event stream ended');
  });
}

/**
 * A connection through a forwarded port is activity of its workspace; on an idle one it is held
 * until the workspace is resumed (and onWake ran), then forwarded.
 */
function wakeOnConnect(activity: ActivityTracker): (spec: ForwardSpec) => Promise<unknown> | undefined {
  return (spec) => {
    if (spec.workspace === undefined) return undefined;
    const what = `connection on port ${spec.name ?? spec.hostPort}`;
    if (!activity.isIdle(spec.workspace)) {
      activity.record(spec.workspace, what);
      return undefined;
    }
    return activity.wake(spec.workspace, what);
  };
}
