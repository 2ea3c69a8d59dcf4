/**
 * Registers the PortBinding controller on a manager: the reconciler, its declared watch of
 * Workspaces (workspace-events.ts) and its forwarders. The forwarders live as long as a started
 * manager (a runnable, closed at stop); a one-shot run (`reconcile --once`) has none, so ports are
 * allocated and reported but not forwarded. A pool given by the caller is used in both modes and
 * closed by the caller.
 */
import type { Logger } from '../runtime/logger.ts';
import type { Manager } from '../runtime/manager.ts';
import { watches } from '../runtime/watches.ts';
import type { ProviderRegistry } from '../providers/registry.ts';
import type { ForwardSpec, PortRange } from './contracts.ts';
import type { ExposurePolicy } from './exposure.ts';
import { KernelForwarding } from './forward/index.ts';
import { PortForwarding, type UpstreamChange } from './forwarding.ts';
import { portBindingReconciler, type PortBindingReconcilerDeps } from './reconcile.ts';
import { bindingsForWorkspace } from './workspace-events.ts';
import type { MultiUserOptions } from '../multi-user/owner.ts';

/**
 * Default PortBinding resync period. Workspace events and provider drift hints wake bindings at
 * once; the resync is the safety net (e.g. a missed hint), so it is as long as the runtime's default.
 */
export const PORTBINDING_RESYNC_MS = 5 * 60 * 1000;

/** What the workspaces' activity offers the forwarders (workspace/activity.ts implements it). */
export interface ForwardingActivity {
  /** Tells the activity record whether a workspace has an open forwarded connection. */
  setProbe(probe: (key: string) => string | undefined): void;
  isIdle(key: string): boolean;
  record(key: string, what: string): void;
  /** Resumes an idle workspace; resolves when it runs again. */
  wake(key: string, what: string): Promise<unknown>;
}

/** What `registerPortBindings` needs. */
export interface PortBindingRegisterDeps {
  logger: Logger;
  providers: ProviderRegistry;
  activity: ForwardingActivity;
  /** The port forwarders to use in every mode (the caller closes them); default: see the module comment. */
  forwarding?: PortForwarding;
  /** The user's port_range: narrows where host ports are allocated. */
  portRange?: PortRange;
  /** Multi-user node: per-user port blocks, other users' ports never taken (user-ports.ts). */
  multiUser?: MultiUserOptions;
  /** The node's permission to listen beyond loopback; default: every port listens on loopback. */
  exposure?: ExposurePolicy;
  /** PortBinding resync period in ms; default PORTBINDING_RESYNC_MS. */
  resyncMs?: number;
  /** Delay before a PortBinding whose host port is held by someone else tries again. */
  conflictRetryMs?: number;
  /** `workspace.idle_timeout` of the layered configuration. */
  defaultIdleTimeout?: string;
}

/** Adds the PortBinding controller (see the module comment). */
export function registerPortBindings(manager: Manager, deps: PortBindingRegisterDeps): void {
  // The reconciler and the forwarders enqueue through the controller (a binding handing a fixed
  // port over, a target that stops or starts answering).
  const enqueueBecause = (cause: string) => (key: string): void => controller.enqueue(key, 'watch', cause);
  let pool = deps.forwarding;
  const forwarding = (): PortForwarding | undefined => pool;
  deps.activity.setProbe((key) => (pool?.hasOpenConnection(key) === true ? 'open connection on a forwarded port' : undefined));
  if (deps.forwarding === undefined) {
    manager.addRunnable('port-forwarding', async (signal) => {
      const log = deps.logger.child({ component: 'port-forwarding' });
      const kernel = KernelForwarding.detect().then((found) => {
        log.info({ kernel: found?.table ?? false }, found === undefined ? 'forwarding in userland' : 'forwarding in the kernel where eligible (nftables), userland otherwise');
        return found;
      });
      const own = new PortForwarding({
        onUpstreamChange: upstreamReporter(deps.logger, enqueueBecause('its target changed reachability')),
        pool: {
          beforeConnect: wakeOnConnect(deps.activity),
          kernel,
          onKernelError: (id, error) => log.warn({ forwarder: id, error: error.message }, 'kernel forwarding failed; this binding stays in userland'),
        },
      });
      pool = own;
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      await own.close();
    });
  }
  const reconcilerDeps: PortBindingReconcilerDeps = {
    providers: deps.providers,
    enqueue: enqueueBecause('a binding handed its fixed port over'),
    get forwarding() {
      return forwarding();
    },
    ...(deps.portRange !== undefined ? { portRange: deps.portRange } : {}),
    ...(deps.multiUser !== undefined ? { multiUser: deps.multiUser } : {}),
    ...(deps.exposure !== undefined ? { exposure: deps.exposure } : {}),
    ...(deps.conflictRetryMs !== undefined ? { conflictRetryMs: deps.conflictRetryMs } : {}),
    ...(deps.defaultIdleTimeout !== undefined ? { defaultIdleTimeout: deps.defaultIdleTimeout } : {}),
  };
  const controller = manager.add({
    kind: 'PortBinding',
    reconcile: portBindingReconciler(reconcilerDeps),
    watches: [watches('Workspace', bindingsForWorkspace)],
    resyncPeriodMs: deps.resyncMs ?? PORTBINDING_RESYNC_MS,
  });
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
 * A connection through a forwarded port is activity of its workspace; on an idle one it is held
 * until the workspace is resumed (and onWake ran), then forwarded.
 */
function wakeOnConnect(activity: ForwardingActivity): (spec: ForwardSpec) => Promise<unknown> | undefined {
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
