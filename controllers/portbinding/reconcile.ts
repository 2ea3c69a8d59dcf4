/**
 * The PortBinding reconcile. Level-based: it re-reads the binding, its workspace and the backend,
 * and converges through the finalizer helper —
 *   workspace → provider → fixed-port claim → allocation (persisted first) → endpoint →
 *   forwarder → status
 * — or, on deletion, stops the binding's forwarder. A port held by someone else is a Conflict
 * (naming the holder) retried every few seconds until it is free; the allocated port is never
 * changed behind the user's back. Without a forwarder pool (`boulder reconcile --once`) ports are
 * allocated and reported, and forwarding waits for the daemon.
 */
import { activeWorkspace } from '../../apis/active-workspace.ts';
import { BoulderError, isErrorCode } from '../../apis/errors.ts';
import { objectKey } from '../../apis/meta.ts';
import type { PortBinding, PortBindingAllocation, PortBindingHolder, Workspace } from '../../apis/types/index.ts';
import type { ResourceClient } from '../../apis/client/types.ts';
import type { ReconcileContext, ReconcileResult, Reconciler } from '../runtime/controller.ts';
import { isTerminalError, TerminalError } from '../runtime/errors.ts';
import { isBeingDeleted, reconcileWithFinalizer } from '../runtime/finalizers.ts';
import { writeStatusIfChanged } from '../runtime/status-writer.ts';
import type { ProviderRegistry } from '../providers/registry.ts';
import type { Backend, Provider, RuntimeEndpoint } from '../providers/types.ts';
import { runtimeTarget } from '../workspace/desired.ts';
import { idleTimeoutMs } from '../workspace/idle.ts';
import { allocateHostPort, allocationMatches, allocationRecord, backendPortRange } from './allocation.ts';
import { PortRangeExhaustedError } from './allocator/index.ts';
import { bindingUrl, resolveBinding, type ResolvedBinding } from './binding.ts';
import { decideExposure, type Exposure, type ExposurePolicy } from './exposure.ts';
import type { ForwardSpec, PortHolder, PortProtocol, PortRange } from './contracts.ts';
import { formatEndpoint, PortInUseError } from './forward/index.ts';
import { KeyedLock } from './forward/keyed-lock.ts';
import type { PortForwarding } from './forwarding.ts';
import { findPortHolder } from './holder/index.ts';
import { claimFixedPort, repositoryOf, rivalBindings, standbyMessage, type FixedPortClaim } from './ownership.ts';
import { bindingStatus, type BindingObservation } from './status.ts';
import { CLEANUP_FINALIZER, DAEMON_NOT_RUNNING, EXPOSED, EXPOSURE_NOT_ALLOWED, LISTEN_FAILED, PORT_RANGE_EXHAUSTED, UNSUPPORTED } from '../../apis/names/index.ts';
import { backendOf } from '../../apis/defaulted.ts';

/** Default delay before retrying a port held by someone else. */
export const CONFLICT_RETRY_MS = 2_000;
/**
 * Default delay before checking again on a workspace that is missing or not running. In the
 * daemon, Workspace events wake the binding as soon as that changes; this is only a safety net.
 */
export const WAIT_RETRY_MS = 60_000;

/** What the PortBinding reconciler needs besides the reconcile context. */
export interface PortBindingReconcilerDeps {
  providers: ProviderRegistry;
  /** The daemon's forwarders; undefined in one-shot mode (ports are allocated, not forwarded). */
  forwarding?: PortForwarding;
  /** The user's port_range: narrows where ports are allocated (overflow stays inside it too). */
  portRange?: PortRange;
  /** Enqueues another binding (after taking a fixed port over from it). */
  enqueue?: (key: string) => void;
  conflictRetryMs?: number;
  waitRetryMs?: number;
  /** Finds the process holding a port (default: `findPortHolder`, Linux /proc). */
  findHolder?: (port: number, protocol: PortProtocol) => Promise<PortHolder | undefined>;
  /** Host probe of the allocator (default: bind the port). */
  probe?: (hostIP: string, port: number, protocol: PortProtocol) => Promise<boolean>;
  /**
   * The node's permission to listen beyond loopback (`network.unauthenticated_bind_addresses`);
   * undefined: every binding listens on loopback (see exposure.ts).
   */
  exposure?: ExposurePolicy;
  /** `workspace.idle_timeout` of the layered configuration (a workspace with an idle policy stays on the userland forwarder). */
  defaultIdleTimeout?: string;
}

/** Builds the PortBinding reconciler. */
export function portBindingReconciler(deps: PortBindingReconcilerDeps): Reconciler {
  const allocations = new KeyedLock();
  return async (request, ctx) => {
    const pb = await getIfExists<PortBinding>(ctx.client, 'PortBinding', request.namespace, request.name);
    if (pb === undefined) {
      // Gone without our cleanup (finalizer removed elsewhere): stop what still forwards for it.
      const stopped = (await deps.forwarding?.stopKey(`${request.namespace}/${request.name}`)) ?? 0;
      if (stopped > 0) ctx.log.info({ stopped }, 'stopped the forwarder of a vanished binding');
      return;
    }
    const result = await reconcileWithFinalizer(pb, CLEANUP_FINALIZER, ctx.client, {
      apply: (live) => new BindingReconcile(live, deps, allocations, ctx).converge(),
      cleanup: async (live) => {
        const stopped = (await deps.forwarding?.stop(live.metadata.uid ?? '')) ?? false;
        ctx.log.info({ stopped }, `cleanup of portbinding/${live.metadata.name}: forwarder ${stopped ? 'stopped' : 'absent'}`);
        return undefined;
      },
    });
    return result ?? undefined;
  };
}

/** One converge pass over a live binding; see the module comment. */
class BindingReconcile {
  #pb: PortBinding;
  readonly #binding: ResolvedBinding;
  readonly #exposure: Exposure;
  readonly #uid: string;
  readonly #key: string;
  readonly #deps: PortBindingReconcilerDeps;
  readonly #allocations: KeyedLock;
  readonly #ctx: ReconcileContext;

  constructor(pb: PortBinding, deps: PortBindingReconcilerDeps, allocations: KeyedLock, ctx: ReconcileContext) {
    this.#pb = pb;
    this.#binding = resolveBinding(pb, deps.exposure);
    this.#exposure = decideExposure(pb.spec, deps.exposure);
    this.#uid = pb.metadata.uid ?? '';
    this.#key = objectKey(pb);
    this.#deps = deps;
    this.#allocations = allocations;
    this.#ctx = ctx;
  }

  async converge(): Promise<ReconcileResult | undefined> {
    const binding = this.#binding;
    const reported = this.#pb.status?.conditions?.find((c) => c.type === EXPOSED)?.reason === EXPOSURE_NOT_ALLOWED;
    if (this.#exposure.kind === 'downgraded' && !reported) {
      this.#ctx.log.warn({ wanted: this.#exposure.wanted }, `${this.#exposure.askedBy} asks to listen on ${this.#exposure.wanted}, which the node does not allow; listening on ${binding.hostIP}`);
    }
    const ws = await getIfExists<Workspace>(this.#ctx.client, 'Workspace', binding.namespace, binding.workspace);
    const keptAllocation = allocationMatches(this.#pb.status?.allocation, binding) ? this.#pb.status?.allocation : undefined;
    if (ws === undefined || isBeingDeleted(ws)) {
      await this.#stopForwarder();
      const message = ws === undefined ? `workspace ${binding.workspace} not found in namespace ${binding.namespace}` : `workspace ${binding.workspace} is being deleted`;
      await this.#write({ kind: 'waiting', reason: ws === undefined ? 'WorkspaceNotFound' : 'WorkspaceDeleting', message }, keptAllocation, this.#knownHostPort(keptAllocation));
      return { requeueAfter: this.#deps.waitRetryMs ?? WAIT_RETRY_MS };
    }
    const provider = await this.#provider(ws, keptAllocation);
    const claim = await this.#claim(ws);
    let allocation = keptAllocation;
    if (allocation === undefined && (binding.fixedPort === undefined || claim?.kind === 'standby')) allocation = await this.#allocate(ws);
    const hostPort = binding.fixedPort !== undefined && claim?.kind === 'own' ? binding.fixedPort : allocation!.hostPort;
    const standby = claim?.kind === 'standby' ? standbyMessage(claim.fixedPort, claim.owner, ws.metadata.name) : undefined;
    const forwarding = this.#deps.forwarding;
    if (forwarding === undefined) return this.#withoutDaemon(allocation, hostPort);

    const endpoint = await provider.endpoint(runtimeTarget(ws), binding.service === undefined ? {} : { service: binding.service });
    if (endpoint === undefined) {
      await this.#stopForwarder();
      await this.#write({ kind: 'waiting', reason: binding.service === undefined ? 'WorkspaceNotRunning' : 'ServiceNotRunning', message: this.#notRunningMessage(ws, hostPort) }, allocation, hostPort);
      return { requeueAfter: this.#deps.waitRetryMs ?? WAIT_RETRY_MS };
    }
    if (binding.protocol === 'udp' && endpoint.dial !== undefined) return this.#udpUnsupported(ws, allocation, hostPort);
    return this.#forward(forwarding, endpoint, hostPort, allocation, claim, standby, this.#kernelAllowed(ws));
  }

  /**
   * Whether the kernel may forward this binding (see ForwardSpec.kernel): the workspace runs and is
   * meant to, and has no idle policy — the daemon must see every connection to wake or keep it awake.
   */
  #kernelAllowed(ws: Workspace): boolean {
    return ws.status?.phase === 'Running' && (ws.spec.state ?? 'Running') === 'Running' && idleTimeoutMs(ws, this.#deps.defaultIdleTimeout) === undefined;
  }

  /**
   * A UDP binding to a workspace reached through a TCP-only channel (a Kubernetes Pod through the
   * API server's port-forward): reported, nothing listens, no retry until the spec changes.
   */
  async #udpUnsupported(ws: Workspace, allocation: PortBindingAllocation | undefined, hostPort: number): Promise<undefined> {
    await this.#stopForwarder();
    const message = udpUnsupportedMessage(backendOf(ws), this.#binding.containerPort);
    this.#ctx.log.warn({ hostPort }, message);
    await this.#write({ kind: 'failed', reason: UNSUPPORTED, message }, allocation, hostPort);
    return undefined;
  }

  /** Forwards hostPort to the endpoint and reports Bound/Standby, or Conflict when the port is held. */
  async #forward(
    forwarding: PortForwarding,
    endpoint: RuntimeEndpoint,
    hostPort: number,
    allocation: PortBindingAllocation | undefined,
    claim: FixedPortClaim | undefined,
    standby: string | undefined,
    kernel: boolean,
  ): Promise<ReconcileResult | undefined> {
    const binding = this.#binding;
    const target = {
      host: endpoint.host,
      port: binding.containerPort,
      ...(endpoint.dial !== undefined ? { dial: endpoint.dial } : {}),
      ...(endpoint.instance !== undefined ? { instance: endpoint.instance } : {}),
    };
    const spec: ForwardSpec = { id: this.#uid, protocol: binding.protocol, hostIP: binding.hostIP, hostPort, target, workspace: `${binding.namespace}/${binding.workspace}`, name: this.#pb.metadata.name, kernel };
    try {
      const outcome = await this.#ensureForwarder(forwarding, spec, claim);
      if (outcome !== 'unchanged') this.#ctx.log.info({ outcome, hostPort, target: formatEndpoint(target.host, target.port), path: forwarding.path(this.#uid) }, `forwarder ${outcome}`);
    } catch (err) {
      if (err instanceof PortInUseError) {
        const conflict = await this.#conflict(forwarding, hostPort);
        this.#ctx.log.warn({ hostPort, holder: conflict.holder }, conflict.message);
        await this.#write({ kind: 'conflict', ...conflict }, allocation, hostPort);
        return { requeueAfter: this.#deps.conflictRetryMs ?? CONFLICT_RETRY_MS };
      }
      if (forwarding.closed) return undefined; // the daemon is stopping: nothing to report
      if (err instanceof BoulderError) {
        await this.#write({ kind: 'failed', reason: LISTEN_FAILED, message: err.message }, allocation, hostPort);
        // Not permitted (a port below 1024 without the privilege) stays so until the spec changes.
        if (isErrorCode(err, 'Forbidden')) throw new TerminalError(LISTEN_FAILED, err.message, { cause: err });
      }
      throw err;
    }
    const upstreamFailure = forwarding.upstreamFailure(this.#uid);
    const observation: BindingObservation = {
      kind: 'forwarding',
      endpoint: formatEndpoint(binding.hostIP, hostPort),
      target: formatEndpoint(endpoint.host, binding.containerPort),
      ...(standby !== undefined ? { standby } : {}),
      ...(upstreamFailure !== undefined ? { upstreamFailure } : {}),
    };
    await this.#write(observation, allocation, hostPort);
    return undefined;
  }

  /**
   * `forwarding.ensure`; when the fixed port this binding owns is still held by a forwarder of a
   * rival that now stands by (a switch in progress), that forwarder is stopped, the rival is
   * enqueued to move to its own port, and the ensure is retried once.
   */
  async #ensureForwarder(forwarding: PortForwarding, spec: ForwardSpec, claim: FixedPortClaim | undefined): Promise<string> {
    try {
      return await forwarding.ensure(this.#key, spec);
    } catch (err) {
      if (!(err instanceof PortInUseError) || claim?.kind !== 'own') throw err;
      const holder = forwarding.holderOf(spec.hostIP, spec.hostPort, spec.protocol, spec.id);
      const rival = holder === undefined ? undefined : claim.rivals.find((r) => r.uid === holder.id);
      if (holder === undefined || rival === undefined) throw err;
      this.#ctx.log.info({ hostPort: spec.hostPort, from: rival.key }, `taking port ${spec.hostPort} over from portbinding ${rival.key}`);
      await forwarding.stop(holder.id);
      this.#deps.enqueue?.(rival.key);
      return forwarding.ensure(this.#key, spec);
    }
  }

  /** Who holds the port, for the Conflict condition. */
  async #conflict(forwarding: PortForwarding, hostPort: number): Promise<{ message: string; holder?: PortBindingHolder }> {
    const binding = this.#binding;
    const where = formatEndpoint(binding.hostIP, hostPort);
    const own = forwarding.holderOf(binding.hostIP, hostPort, binding.protocol, this.#uid);
    if (own !== undefined) {
      return { message: `${where} is held by portbinding ${own.key}, forwarded by this daemon (pid ${process.pid})`, holder: { pid: process.pid, command: 'boulder' } };
    }
    const find = this.#deps.findHolder ?? findPortHolder;
    const holder = await find(hostPort, binding.protocol).catch(() => undefined);
    if (holder === undefined) return { message: `${where} is held by an outgoing connection or another process` };
    return { message: `${where} is held by pid ${holder.pid} (${holder.command})`, holder: { pid: holder.pid, command: holder.command } };
  }

  /** One-shot mode: report the port; a Bound/Standby status a daemon wrote for the same port stays. */
  async #withoutDaemon(allocation: PortBindingAllocation | undefined, hostPort: number): Promise<undefined> {
    const status = this.#pb.status;
    const daemonReported = (status?.phase === 'Bound' || status?.phase === 'Standby') && status.hostPort === hostPort && status.observedGeneration === this.#pb.metadata.generation;
    if (daemonReported) return undefined;
    const where = formatEndpoint(this.#binding.hostIP, hostPort);
    await this.#write({ kind: 'waiting', reason: DAEMON_NOT_RUNNING, message: `host port ${where} is allocated; forwarding needs the daemon (boulder daemon)` }, allocation, hostPort);
    return undefined;
  }

  /** The workspace's provider; an unavailable backend is recorded and stays terminal. */
  async #provider(ws: Workspace, allocation: PortBindingAllocation | undefined): Promise<Provider> {
    try {
      return this.#deps.providers.get(backendOf(ws));
    } catch (err) {
      if (isTerminalError(err)) await this.#write({ kind: 'failed', reason: err.reason, message: err.message }, allocation, this.#knownHostPort(allocation));
      throw err;
    }
  }

  /** The fixed-port decision among the workspaces of the workspace's repository; undefined without a fixed port. */
  async #claim(ws: Workspace): Promise<FixedPortClaim | undefined> {
    const { fixedPort } = this.#binding;
    if (fixedPort === undefined) return undefined;
    const repository = repositoryOf(ws);
    if (repository === undefined) return { kind: 'own', rivals: [] };
    const client = this.#ctx.client;
    const [bindings, workspaces] = await Promise.all([client.list<PortBinding>('PortBinding'), client.list<Workspace>('Workspace')]);
    const rivals = rivalBindings({
      binding: this.#binding,
      uid: this.#uid,
      repository,
      bindings: bindings.items,
      workspaces: workspaces.items,
      ...(this.#deps.exposure !== undefined ? { exposure: this.#deps.exposure } : {}),
    });
    if (rivals.length === 0) return { kind: 'own', rivals: [] };
    // The repository's active workspace as recorded on its Workspaces (apis/active-workspace.ts).
    const current = activeWorkspace(workspaces.items.filter((other) => repositoryOf(other) === repository));
    return claimFixedPort(ws, fixedPort, rivals, current);
  }

  /**
   * Allocates the binding's port and persists it before anything listens on it, one allocation
   * at a time; a full range is recorded and terminal.
   */
  async #allocate(ws: Workspace): Promise<PortBindingAllocation> {
    return this.#allocations.run('host-ports', async () => {
      const bindings = (await this.#ctx.client.list<PortBinding>('PortBinding')).items;
      let hostPort: number;
      try {
        const range = this.#deps.portRange ?? backendPortRange(backendOf(ws));
        hostPort = await allocateHostPort({
          binding: this.#binding,
          uid: this.#uid,
          workspace: ws,
          bindings,
          range,
          ...(this.#deps.portRange !== undefined ? { overflowRange: this.#deps.portRange } : {}),
          ...(this.#deps.probe !== undefined ? { probe: this.#deps.probe } : {}),
        });
      } catch (err) {
        if (!(err instanceof PortRangeExhaustedError)) throw err;
        await this.#write({ kind: 'failed', reason: PORT_RANGE_EXHAUSTED, message: err.message }, undefined, this.#binding.fixedPort);
        throw new TerminalError(PORT_RANGE_EXHAUSTED, err.message, { cause: err });
      }
      const allocation = allocationRecord(this.#binding, hostPort);
      const { object } = await writeStatusIfChanged(this.#ctx.client, this.#pb, { ...this.#pb.status, allocation });
      this.#pb = object;
      this.#ctx.log.info({ hostPort }, `allocated host port ${hostPort} for ${this.#binding.namespace}/${this.#binding.workspace} ${this.#binding.name}`);
      return allocation;
    });
  }

  async #stopForwarder(): Promise<void> {
    if ((await this.#deps.forwarding?.stop(this.#uid)) === true) this.#ctx.log.info('forwarder stopped');
  }

  #knownHostPort(allocation: PortBindingAllocation | undefined): number | undefined {
    return this.#binding.fixedPort ?? allocation?.hostPort;
  }

  #notRunningMessage(ws: Workspace, hostPort: number): string {
    const phase = ws.status?.phase ?? 'Pending';
    const what = this.#binding.service === undefined ? `workspace ${ws.metadata.name}` : `service ${this.#binding.service} of workspace ${ws.metadata.name}`;
    return `${what} is not running (workspace phase ${phase}); host port ${hostPort} is kept for it`;
  }

  async #write(observation: BindingObservation, allocation: PortBindingAllocation | undefined, hostPort: number | undefined): Promise<void> {
    const url = hostPort === undefined ? undefined : bindingUrl(this.#binding.name, this.#binding.protocol, this.#binding.hostIP, hostPort);
    const status = bindingStatus(this.#pb, {
      observation,
      exposure: this.#exposure,
      now: this.#ctx.clock.now(),
      ...(allocation !== undefined ? { allocation } : {}),
      ...(hostPort !== undefined ? { hostPort } : {}),
      ...(url !== undefined ? { url } : {}),
    });
    const { object } = await writeStatusIfChanged(this.#ctx.client, this.#pb, status);
    this.#pb = object;
  }
}

/** Why a UDP binding cannot be forwarded to a workspace of `backend` (pure). */
export function udpUnsupportedMessage(backend: Backend, containerPort: number): string {
  const kubernetes = backend === 'kubernetes';
  const channel = kubernetes ? "the Kubernetes API server's port-forward, which carries TCP only" : 'a channel that carries TCP only';
  const instead = kubernetes ? 'use protocol tcp, or expose the port with a Service of type NodePort or LoadBalancer' : 'use protocol tcp';
  return `UDP port ${containerPort} cannot be forwarded: this ${backend} workspace is reached through ${channel} (${instead})`;
}

async function getIfExists<T extends PortBinding | Workspace>(client: ResourceClient, kind: 'PortBinding' | 'Workspace', namespace: string, name: string): Promise<T | undefined> {
  try {
    return await client.get<T>(kind, namespace, name);
  } catch (err) {
    if (isErrorCode(err, 'NotFound')) return undefined;
    throw err;
  }
}
