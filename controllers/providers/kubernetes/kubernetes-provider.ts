/**
 * The Kubernetes provider: a workspace becomes a Pod (with service sidecars), a Secret, a Service
 * and a PVC in the workspace's namespace (or a configured target namespace); see manifests.ts for
 * the objects and ensure.ts for convergence. Objects are found by deterministic name and carry the
 * workspace's labels; when the Workspace itself lives in the same cluster and namespace
 * (`ownerReferences`), they are also owned by it so the cluster's garbage collector removes them.
 *
 * A PortBinding reaches the Pod (main container and service sidecars share its network) through
 * the API server's `pods/portforward`, one WebSocket per TCP connection (`endpoint` returns a
 * dialer; see port-forward.ts), since a Pod IP is not reachable from the machine running boulder.
 * A controller running inside the cluster reaches Pod IPs directly instead (`podAccess`).
 *
 * Files: the PVC is mounted at the workspace folder (`spec.workspaceFolder`, default /workspace)
 * and starts empty; a workspace with a sync mode gets an owned SyncSession whose beta is that
 * folder in the Pod (`syncAddress`: a `pod://` address, synced by Pod exec — controllers/sync/kubernetes).
 * Exec, logs, port-forward and file sync need a kubelet behind the node.
 */
import type { Duplex } from 'node:stream';
import type { KubeConfig } from '@kubernetes/client-node';
import { realClock, type Clock } from '../../runtime/clock.ts';
import type { Logger } from '../../runtime/logger.ts';
import { noopLogger } from '../../runtime/noop-logger.ts';
import { ProviderError } from '../errors.ts';
import type {
  DesiredRuntime,
  EndpointOptions,
  EnsureOptions,
  EnsureResult,
  ExecOptions,
  ExecResult,
  LogsOptions,
  ObservedRuntime,
  Provider,
  ProviderEvent,
  RuntimeEndpoint,
  RuntimeTarget,
} from '../types.ts';
import { orUndefined, deletePod, podReady, readObjects } from './objects.ts';
import { toProviderError } from './api-errors.ts';
import { connectCluster, type Cluster, type ClusterOptions } from './cluster.ts';
import { ensureObjects } from './ensure.ts';
import { execInPod, podLogs } from './exec-logs.ts';
import { podEvents } from './events.ts';
import { defaultPodAccess, type PodAccess } from './pod-access.ts';
import { dialPodPort } from './port-forward.ts';
import { MAIN_CONTAINER, workspaceOwnerReference, type ManifestOptions } from './manifests.ts';
import { formatPodAddress } from '../../sync/kubernetes/address.ts';
import { kubeNames, workspaceSelector, type KubeNames } from './names.ts';
import { observedFrom } from './observe.ts';
import type { SyncCapability } from '../sync-capability.ts';
import { podSyncCapability } from './sync-capability.ts';
import { notOwnedError, ownedBy } from './ownership.ts';
import { CONTAINER_CREATE_FAILED, CONTAINER_START_FAILED } from '../../../apis/names/index.ts';

/** Options of `createKubernetesProvider`. */
export interface KubernetesProviderOptions extends ClusterOptions {
  /** Namespace the objects go to; default: each workspace's own namespace. */
  namespace?: string;
  /**
   * True when the Workspaces live in this cluster (the Kubernetes ResourceClient): objects in the
   * workspace's own namespace then get an ownerReference to it. Never set it for Workspaces of
   * another store: the garbage collector would delete objects whose owner it cannot find.
   */
  ownerReferences?: boolean;
  /** StorageClass of the files PVC; default: the cluster's default. */
  storageClassName?: string;
  /** Size of the files PVC; default 10Gi. */
  filesSize?: string;
  /**
   * False when this provider must never hold secret values (a controller serving a cluster's
   * Workspaces: `fromFile`/`fromEnv` are refused there, `secretRef` is a reference in the Pod): it
   * then never reads, writes or lists Secrets, so its role needs no right on them. Default true
   * (the user's own daemon writes resolved values into the `nexus-<name>-secrets` Secret).
   */
  secretValues?: boolean;
  /** How long ensure waits for a Pod to become Ready before failing transiently; default 20 s. */
  readyTimeoutMs?: number;
  /**
   * How forwarders reach a Pod's ports: `portforward` (through the API server, TCP only) or
   * `direct` (the Pod IP). Default: `direct` with the in-cluster service account (Pod IPs are
   * routable there and no `pods/portforward` right is needed), else `portforward`.
   */
  podAccess?: PodAccess;
  clock?: Clock;
  logger?: Logger;
}

/** Default wait for a Pod to become Ready in ensure. */
export const DEFAULT_READY_TIMEOUT_MS = 20_000;

/** Provider backed by a Kubernetes cluster; see the module comment. */
export class KubernetesProvider implements Provider {
  readonly backend = 'kubernetes' as const;
  readonly #cluster: Cluster;
  readonly #options: KubernetesProviderOptions;
  readonly #clock: Clock;
  readonly #logger: Logger;
  /** `pod://` sync endpoints, with this provider's kubeconfig (sync-capability.ts). */
  readonly sync: SyncCapability = podSyncCapability(async () => this.kubeConfig);

  constructor(options: KubernetesProviderOptions = {}) {
    this.#cluster = connectCluster(options);
    this.#options = options;
    this.#clock = options.clock ?? realClock;
    this.#logger = options.logger ?? noopLogger();
  }

  /** The loaded kubeconfig (for diagnostics and tests). */
  get kubeConfig(): KubeConfig {
    return this.#cluster.kubeConfig;
  }

  /** The names of a workspace's objects. */
  names(target: RuntimeTarget): KubeNames {
    return kubeNames(target, this.#options.namespace);
  }

  /** The SyncSession address of `path` in the main container (`pod://ns/pod/workspace/path`). */
  syncAddress(target: RuntimeTarget, path: string): string {
    const names = this.names(target);
    return formatPodAddress({ namespace: names.namespace, pod: names.pod, container: MAIN_CONTAINER, path });
  }

  async observe(target: RuntimeTarget): Promise<ObservedRuntime | undefined> {
    const names = this.names(target);
    const objects = await this.#call('reading the workspace objects', () => readObjects(this.#cluster.core, names.namespace, names, this.#options.secretValues !== false));
    // A foreign object holding a name is not this workspace's (ownership.ts).
    return observedFrom({
      ...(ownedBy(objects.pod, target) ? { pod: objects.pod! } : {}),
      ...(ownedBy(objects.pvc, target) ? { pvc: objects.pvc! } : {}),
    });
  }

  ensure(desired: DesiredRuntime, options: EnsureOptions = {}): Promise<EnsureResult> {
    const names = this.names(desired.target);
    return ensureObjects(
      {
        core: this.#cluster.core,
        clock: this.#clock,
        names,
        manifest: this.#manifestOptions(desired.target, names),
        readyTimeoutMs: this.#options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
        ...(this.#options.secretValues === false ? { secretValues: false } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      },
      desired,
    );
  }

  #manifestOptions(target: RuntimeTarget, names: KubeNames): ManifestOptions {
    const owned = this.#options.ownerReferences === true && names.namespace === target.namespace && target.uid !== '';
    return {
      ...(owned ? { owner: workspaceOwnerReference(target) } : {}),
      ...(this.#options.storageClassName !== undefined ? { storageClassName: this.#options.storageClassName } : {}),
      ...(this.#options.filesSize !== undefined ? { filesSize: this.#options.filesSize } : {}),
    };
  }

  /** Kubernetes cannot freeze a Pod: pausing removes it like stopping (the PVC keeps the files). */
  async pause(target: RuntimeTarget): Promise<void> {
    await this.#removePod(target);
  }

  /** A removed Pod comes back through `ensure` (it needs the desired configuration). */
  async resume(target: RuntimeTarget): Promise<void> {
    const observed = await this.observe(target);
    if (observed?.state === 'Running') return;
    throw new ProviderError(CONTAINER_START_FAILED, `workspace ${target.namespace}/${target.name} has no running pod: resume it by reconciling (ensure) with state Running`, { transient: true });
  }

  async stop(target: RuntimeTarget): Promise<void> {
    await this.#removePod(target);
  }

  /** Removes the workspace's own Pod; a foreign Pod of that name is left alone. */
  async #removePod(target: RuntimeTarget): Promise<void> {
    const names = this.names(target);
    const pod = await this.#call('reading the pod', () => orUndefined(this.#cluster.core.readNamespacedPod({ namespace: names.namespace, name: names.pod })));
    if (pod === undefined || !ownedBy(pod, target)) return;
    await this.#call('removing the pod', () => deletePod(this.#cluster.core, names.namespace, names.pod, undefined, pod.metadata?.uid));
  }

  /**
   * Deletes every object labelled for the workspace (by label, so renamed or leftover objects go
   * too) that carries its identity (ownership.ts: its uid, no other controller).
   */
  async delete(target: RuntimeTarget): Promise<'deleted' | 'unchanged'> {
    const { core } = this.#cluster;
    const namespace = this.names(target).namespace;
    const labelSelector = workspaceSelector(target);
    return this.#call('deleting the workspace objects', async () => {
      const [pods, services, secrets, pvcs] = await Promise.all([
        core.listNamespacedPod({ namespace, labelSelector }),
        core.listNamespacedService({ namespace, labelSelector }),
        this.#options.secretValues === false ? { items: [] } : core.listNamespacedSecret({ namespace, labelSelector }),
        core.listNamespacedPersistentVolumeClaim({ namespace, labelSelector }),
      ]);
      const own = <T extends { metadata?: { name?: string } }>(items: T[]): T[] => items.filter((o) => ownedBy(o, target));
      const deletions = [
        ...own(pods.items).map((o) => orUndefined(core.deleteNamespacedPod({ namespace, name: o.metadata!.name!, gracePeriodSeconds: 0 }))),
        ...own(services.items).map((o) => orUndefined(core.deleteNamespacedService({ namespace, name: o.metadata!.name! }))),
        ...own(secrets.items).map((o) => orUndefined(core.deleteNamespacedSecret({ namespace, name: o.metadata!.name! }))),
        ...own(pvcs.items).filter((o) => o.metadata?.deletionTimestamp === undefined).map((o) => orUndefined(core.deleteNamespacedPersistentVolumeClaim({ namespace, name: o.metadata!.name! }))),
      ];
      await Promise.all(deletions);
      return deletions.length > 0 ? 'deleted' : 'unchanged';
    });
  }

  async exec(target: RuntimeTarget, command: string[], options: ExecOptions = {}): Promise<ExecResult> {
    const names = await this.#runningPod(target);
    return execInPod(this.#cluster.kubeConfig, names.namespace, names.pod, command, options);
  }

  async logs(target: RuntimeTarget, options: LogsOptions): Promise<void> {
    const names = await this.#runningPod(target);
    return podLogs(this.#cluster.kubeConfig, names.namespace, names.pod, options);
  }

  /** How forwarders reach Pod ports (the option, else decided by where the kubeconfig points). */
  get podAccess(): PodAccess {
    return this.#options.podAccess ?? defaultPodAccess(this.#cluster.kubeConfig);
  }

  /**
   * The running Pod (service sidecars share its network): a dialer through `pods/portforward`
   * shown as `pod/<name>`, or with `podAccess: direct` the Pod IP. Undefined unless it is ready.
   */
  async endpoint(target: RuntimeTarget, _options: EndpointOptions = {}): Promise<RuntimeEndpoint | undefined> {
    const names = this.names(target);
    const pod = await this.#call('reading the pod', () => orUndefined(this.#cluster.core.readNamespacedPod({ namespace: names.namespace, name: names.pod })));
    const ip = pod?.status?.podIP;
    if (!podReady(pod) || !ownedBy(pod, target)) return undefined;
    if (this.podAccess === 'direct') return ip === undefined ? undefined : { host: ip };
    const { kubeConfig } = this.#cluster;
    const dial = (port: number): Promise<Duplex> => dialPodPort(kubeConfig, names.namespace, names.pod, port);
    return { host: `pod/${names.pod}`, dial, ...(pod?.metadata?.uid !== undefined ? { instance: pod.metadata.uid } : {}) };
  }

  events(signal: AbortSignal): AsyncIterable<ProviderEvent> {
    return podEvents(
      { kubeConfig: this.#cluster.kubeConfig, clock: this.#clock, logger: this.#logger, ...(this.#options.namespace !== undefined ? { namespace: this.#options.namespace } : {}) },
      signal,
    );
  }

  async #runningPod(target: RuntimeTarget): Promise<KubeNames> {
    const names = this.names(target);
    const pod = await this.#call('reading the pod', () => orUndefined(this.#cluster.core.readNamespacedPod({ namespace: names.namespace, name: names.pod })));
    if (!podReady(pod)) throw new ProviderError(CONTAINER_START_FAILED, `workspace ${target.namespace}/${target.name} has no running pod`, { transient: true });
    if (!ownedBy(pod, target)) throw notOwnedError('pod', pod!, target);
    return names;
  }

  async #call<T>(doing: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw toProviderError(err, CONTAINER_CREATE_FAILED, doing);
    }
  }
}

/** A Kubernetes provider for the cluster `options` name. */
export function createKubernetesProvider(options: KubernetesProviderOptions = {}): KubernetesProvider {
  return new KubernetesProvider(options);
}
