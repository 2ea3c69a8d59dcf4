/**
 * Wires boulder's controllers into a Manager: builds what the kinds share — the providers this
 * process can use (Docker and the in-memory mock by default; a Docker engine that does not answer
 * makes docker workspaces report EngineUnavailable and retry with backoff; with a `kubernetes` dep
 * the Kubernetes provider, workspaces as Pods; with a `sprite` dep the Sprite provider,
 * controllers/providers/sprite) and the activity record — and lets each kind register itself
 * (`register(manager, deps)` of workspace/, portbinding/, syncsession/) with its declared owns and
 * watches (controllers/runtime/watches.ts). What runs only in the long-running daemon (providers'
 * drift event streams, port forwarders, sync engines) is the manager's business: runnables and
 * `longRunningOnly` controllers, which `start` runs and `runUntilIdle` (`reconcile --once`) does
 * not — so there ports are allocated but not forwarded, and SyncSessions are left alone.
 * `trust` (controllers/trust/policy.ts) says whose identity the objects may use: `cluster` for a
 * store that is a cluster — then workspaces and sessions are admitted only within their namespace,
 * and the Kubernetes provider never holds secret values.
 */
import type { ResourceClient } from '../apis/client/types.ts';
import type { Clock } from './runtime/clock.ts';
import type { Logger } from './runtime/logger.ts';
import type { Manager } from './runtime/manager.ts';
import { createDockerProvider } from './providers/docker/index.ts';
import { LazyKubernetesProvider } from './providers/kubernetes/lazy.ts';
import type { KubernetesProviderOptions } from './providers/kubernetes/kubernetes-provider.ts';
import { MockProvider } from './providers/mock/mock-provider.ts';
import { SpriteProvider, type SpriteProviderOptions } from './providers/sprite/sprite-provider.ts';
import { createProviderRegistry, type ProviderRegistry } from './providers/registry.ts';
import type { Provider } from './providers/types.ts';
import { ActivityTracker } from './workspace/activity.ts';
import { registerWorkspaces } from './workspace/register.ts';
import type { PortRange } from './portbinding/contracts.ts';
import type { ExposurePolicy } from './portbinding/exposure.ts';
import type { PortForwarding } from './portbinding/forwarding.ts';
import { registerPortBindings } from './portbinding/register.ts';
import { registerSyncSessions } from './syncsession/register.ts';
import type { TrustMode } from './trust/policy.ts';
import type { MultiUserOptions } from './multi-user/owner.ts';

export { DRIFT_RECHECK_MS, WORKSPACE_RESYNC_MS } from './workspace/register.ts';
export { PORTBINDING_RESYNC_MS } from './portbinding/register.ts';

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
  /**
   * Reconcile SyncSessions under `runUntilIdle` too (a one-shot run that checks their admission);
   * default: only while the manager is started (the daemon), where their engines live on.
   */
  oneShotSyncSessions?: boolean;
  /** Workspace resync period in ms (drift check); default 30 s. */
  resyncPeriodMs?: number;
  /**
   * The port forwarders to use in every mode (the caller closes them). Default: while the manager
   * is started (daemon) a new set, closed when it stops; under runUntilIdle none (not forwarded).
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
  /**
   * Multi-user node (present only when the node configuration enables it): every effect for an
   * object runs with the rights of the user of its namespace `user-<name>` (controllers/multi-user).
   * Absent: single-user, the daemon is the user.
   */
  multiUser?: MultiUserOptions;
}

/** Registers every controller on `manager`; returns the provider registry in use. */
export function registerControllers(manager: Manager, deps: ControllerSetupDeps): ProviderRegistry {
  const trust = deps.trust ?? 'local';
  const providers = providerRegistry(deps, trust);
  const activity = deps.activity ?? new ActivityTracker({ now: () => deps.clock.now() });
  const { logger } = deps;
  registerWorkspaces(manager, {
    logger,
    providers,
    activity,
    trust: { trust, ...(deps.kubernetes?.namespace !== undefined ? { podNamespace: deps.kubernetes.namespace } : {}) },
    ...(deps.defaultIdleTimeout !== undefined ? { defaultIdleTimeout: deps.defaultIdleTimeout } : {}),
    ...(deps.resyncPeriodMs !== undefined ? { resyncMs: deps.resyncPeriodMs } : {}),
    ...(deps.multiUser !== undefined ? { multiUser: deps.multiUser } : {}),
  });
  registerPortBindings(manager, {
    logger,
    providers,
    activity,
    ...(deps.forwarding !== undefined ? { forwarding: deps.forwarding } : {}),
    ...(deps.portRange !== undefined ? { portRange: deps.portRange } : {}),
    ...(deps.multiUser !== undefined ? { multiUser: deps.multiUser } : {}),
    ...(deps.exposure !== undefined ? { exposure: deps.exposure } : {}),
    ...(deps.portBindingResyncMs !== undefined ? { resyncMs: deps.portBindingResyncMs } : {}),
    ...(deps.portConflictRetryMs !== undefined ? { conflictRetryMs: deps.portConflictRetryMs } : {}),
    ...(deps.defaultIdleTimeout !== undefined ? { defaultIdleTimeout: deps.defaultIdleTimeout } : {}),
  });
  // Sync engines live in the daemon only (a one-shot reconcile leaves SyncSessions alone).
  registerSyncSessions(manager, {
    stateDir: deps.stateDir,
    logger,
    trust,
    longRunningOnly: deps.oneShotSyncSessions !== true,
    onActivity: (key, what) => activity.record(key, what),
    ...(deps.multiUser !== undefined ? { multiUser: deps.multiUser } : {}),
    providers,
    ...(deps.kubernetes !== undefined ? { kubernetes: deps.kubernetes } : {}),
  });
  return providers;
}

/** The providers of `deps` (default Docker and the mock), plus Kubernetes and Sprite when configured. */
function providerRegistry(deps: ControllerSetupDeps, trust: TrustMode): ProviderRegistry {
  const sprite = deps.sprite === undefined ? undefined : new SpriteProvider(deps.sprite);
  const base: Provider[] = deps.providers ?? [createDockerProvider({ logger: deps.logger }), new MockProvider()];
  const kubernetes =
    deps.kubernetes === undefined
      ? []
      : [new LazyKubernetesProvider({ ...deps.kubernetes, clock: deps.clock, logger: deps.logger, ...(trust === 'cluster' ? { secretValues: false } : {}) })];
  return createProviderRegistry([...base, ...kubernetes, ...(sprite !== undefined ? [sprite] : [])], {
    sprite: 'configure backends.sprite.api_key (e.g. env:SPRITES_TOKEN or keychain:sprites/me) and restart the daemon',
  });
}
