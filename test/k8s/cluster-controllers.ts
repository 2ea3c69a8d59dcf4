/**
 * boulder's controllers in this process, pointed at the test cluster: a Manager on the Kubernetes
 * ResourceClient and `registerControllers` with the Kubernetes provider (owner references on, since
 * the Workspaces live in the cluster) and the mock provider. Daemon mode: the provider's Pod watch
 * feeds drift hints. Shared by the e2e suite and the `k8s` benchmark.
 */
import { openClient } from '../../apis/client/open.ts';
import type { ResourceClient } from '../../apis/client/types.ts';
import { realClock } from '../../controllers/runtime/clock.ts';
import { silentLogger, type Logger } from '../../controllers/runtime/logger.ts';
import { Manager } from '../../controllers/runtime/manager.ts';
import { MockProvider } from '../../controllers/providers/mock/mock-provider.ts';
import { registerControllers } from '../../controllers/setup.ts';
import type { PortRange } from '../../controllers/portbinding/contracts.ts';
import type { TrustMode } from '../../controllers/trust/policy.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Running controllers and how to stop them. */
export interface ClusterControllers {
  client: ResourceClient;
  manager: Manager;
  stop(): Promise<void>;
}

/** Options of startClusterControllers. */
export interface ClusterControllerOptions {
  /** Default: a silent logger. */
  logger?: Logger;
  /**
   * Default `cluster`, as for every process whose store is a cluster; `local` only for a test that
   * stands for the user's own daemon (embedded store) and keeps the cluster store for convenience.
   */
  trust?: TrustMode;
  /**
   * Reconcile only this namespace's objects (the test control plane is shared: a suite's
   * controllers then leave other suites' namespaces alone). Default: every namespace.
   */
  namespace?: string;
  /** Host ports PortBindings allocate from (default: the backend's range of the port plan). */
  portRange?: PortRange;
}

/** Starts the controllers on the cluster of `kubeconfig`. */
export async function startClusterControllers(kubeconfig: string, options: ClusterControllerOptions = {}): Promise<ClusterControllers> {
  const logger = options.logger ?? silentLogger();
  const opened = await openClient({ type: 'kubernetes', kubeconfig });
  const client = options.namespace === undefined ? opened : inNamespace(opened, options.namespace);
  const stateDir = await mkdtemp(join(tmpdir(), 'boulder-k8s-ctrl-'));
  const manager = new Manager({ client, clock: realClock, logger, stopTimeoutMs: 10_000 });
  registerControllers(manager, {
    client,
    clock: realClock,
    logger,
    stateDir,
    trust: options.trust ?? 'cluster',
    providers: [new MockProvider()],
    kubernetes: { kubeconfig, ownerReferences: true },
    ...(options.portRange === undefined ? {} : { portRange: options.portRange }),
  });
  await manager.start();
  let stopped: Promise<void> | undefined;
  return {
    client,
    manager,
    stop: () =>
      (stopped ??= (async () => {
        await manager.stop();
        await opened.close();
        await rm(stateDir, { recursive: true, force: true });
      })()),
  };
}

/** `client` with every list and watch confined to `namespace`. */
function inNamespace(client: ResourceClient, namespace: string): ResourceClient {
  return {
    get: (kind, ns, name) => client.get(kind, ns, name),
    list: (kind, options) => client.list(kind, { ...options, namespace }),
    watch: (kind, options) => client.watch(kind, { ...options, namespace }),
    create: (obj) => client.create(obj),
    update: (obj) => client.update(obj),
    updateStatus: (obj) => client.updateStatus(obj),
    apply: (obj, options) => client.apply(obj, options),
    delete: (kind, ns, name, options) => client.delete(kind, ns, name, options),
    close: () => client.close(),
  };
}
