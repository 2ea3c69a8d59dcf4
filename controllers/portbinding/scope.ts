/**
 * What one converge of a PortBinding works on (converge.ts): its dependencies and context, the
 * binding as last stored and resolved, what each step found, and the status write every step
 * reports through (`writeObservation`, status.ts).
 */
import { objectKey } from '../../apis/meta.ts';
import type { PortBinding, PortBindingAllocation, Workspace } from '../../apis/types/index.ts';
import type { ReconcileContext } from '../runtime/controller.ts';
import { writeStatusIfChanged } from '../runtime/status-writer.ts';
import type { ProviderRegistry } from '../providers/registry.ts';
import type { Provider, RuntimeEndpoint } from '../providers/types.ts';
import { bindingUrl, resolveBinding, type ResolvedBinding } from './binding.ts';
import type { PortHolder, PortProtocol, PortRange } from './contracts.ts';
import { decideExposure, type Exposure, type ExposurePolicy } from './exposure.ts';
import type { KeyedLock } from './forward/keyed-lock.ts';
import type { PortForwarding } from './forwarding.ts';
import type { FixedPortClaim } from './ownership.ts';
import { bindingStatus, type BindingObservation } from './status.ts';
import type { MultiUserOptions } from '../multi-user/owner.ts';

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
  /**
   * Multi-user node: each user allocates from their own block, another user's port is a Conflict
   * (never taken over), and fixed-port rivals are the user's own workspaces only (user-ports.ts).
   */
  multiUser?: MultiUserOptions;
  /** `workspace.idle_timeout` of the layered configuration (a workspace with an idle policy stays on the userland forwarder). */
  defaultIdleTimeout?: string;
}

/** One converge of a live binding; fields below `ctx` are filled in by the steps named beside them. */
export interface BindingScope {
  /** The binding as last stored (each status write replaces it). */
  pb: PortBinding;
  readonly binding: ResolvedBinding;
  readonly exposure: Exposure;
  readonly uid: string;
  readonly key: string;
  readonly deps: PortBindingReconcilerDeps;
  /** Serializes allocations (one at a time in this process). */
  readonly allocations: KeyedLock;
  readonly ctx: ReconcileContext;
  /** `workspace`. */
  ws?: Workspace;
  /** `workspace`: the allocation in status when it still fits the binding. */
  kept?: PortBindingAllocation;
  /** `provider`. */
  provider?: Provider;
  /** `claim`: the fixed-port decision; undefined without a fixed port. */
  claim?: FixedPortClaim;
  /** `allocate`: the kept or new allocation (undefined: a fixed port this binding owns, never allocated). */
  allocation?: PortBindingAllocation;
  /** `allocate`: the port to listen on. */
  hostPort?: number;
  /** `allocate`: why a fixed port stands by (another workspace of the repository is active). */
  standby?: string;
  /** `endpoint`: where the workspace (or its service) answers. */
  endpoint?: RuntimeEndpoint;
}

/** A new scope for converging `pb`. */
export function bindingScope(pb: PortBinding, deps: PortBindingReconcilerDeps, allocations: KeyedLock, ctx: ReconcileContext): BindingScope {
  return {
    pb,
    binding: resolveBinding(pb, deps.exposure),
    exposure: decideExposure(pb.spec, deps.exposure),
    uid: pb.metadata.uid ?? '',
    key: objectKey(pb),
    deps,
    allocations,
    ctx,
  };
}

/** Writes the status for `observation` (when it changed) and keeps the stored binding. */
export async function writeObservation(scope: BindingScope, observation: BindingObservation, allocation: PortBindingAllocation | undefined, hostPort: number | undefined): Promise<void> {
  const { binding } = scope;
  const url = hostPort === undefined ? undefined : bindingUrl(binding.name, binding.protocol, binding.hostIP, hostPort);
  const status = bindingStatus(scope.pb, {
    observation,
    exposure: scope.exposure,
    now: scope.ctx.clock.now(),
    ...(allocation !== undefined ? { allocation } : {}),
    ...(hostPort !== undefined ? { hostPort } : {}),
    ...(url !== undefined ? { url } : {}),
  });
  const { object } = await writeStatusIfChanged(scope.ctx.client, scope.pb, status);
  scope.pb = object;
}

/** Stops the binding's forwarder, if one runs. */
export async function stopForwarder(scope: BindingScope): Promise<void> {
  if ((await scope.deps.forwarding?.stop(scope.uid)) === true) scope.ctx.log.info('forwarder stopped');
}

/** The host port known before allocating: the fixed one, or the allocation's. */
export function knownHostPort(scope: BindingScope, allocation: PortBindingAllocation | undefined): number | undefined {
  return scope.binding.fixedPort ?? allocation?.hostPort;
}
