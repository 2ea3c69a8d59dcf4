/**
 * The PortBinding converge as a list of named steps (controllers/runtime/steps.ts):
 *   exposure → workspace → provider → claim → [otherUser] → allocate → [endpoint → udpChannel → forward | report]
 * `workspace` waits (and stops the forwarder) while the workspace is missing or being deleted;
 * `allocate` persists the host port before anything listens on it; with the daemon's forwarders
 * the binding is forwarded to the runtime's endpoint (`udpChannel` only for a UDP binding), and
 * without them (`boulder reconcile --once`) the allocated port is reported. `provider` and
 * `allocate` own the Bound condition: their terminal failures are recorded there; every other
 * outcome (waiting, Conflict, Standby, Bound) is the status the step writes itself.
 */
import { activeWorkspace } from '../../apis/active-workspace.ts';
import { BoulderError, isErrorCode } from '../../apis/errors.ts';
import type { PortBinding, PortBindingAllocation, PortBindingHolder, Workspace } from '../../apis/types/index.ts';
import { BOUND, DAEMON_NOT_RUNNING, EXPOSED, EXPOSURE_NOT_ALLOWED, LISTEN_FAILED, PORT_RANGE_EXHAUSTED, UNSUPPORTED } from '../../apis/names/index.ts';
import { backendOf } from '../../apis/defaulted.ts';
import { TerminalError } from '../runtime/errors.ts';
import { isBeingDeleted } from '../runtime/finalizers.ts';
import { writeStatusIfChanged } from '../runtime/status-writer.ts';
import { finish, found, type Step, type StepEntry, type StepOutcome } from '../runtime/steps.ts';
import type { Backend } from '../providers/types.ts';
import { runtimeTarget } from '../providers/target.ts';
import { getIfExists } from '../../apis/client/get-if-exists.ts';
import { idleTimeoutMs } from '../../apis/idle-timeout.ts';
import { allocateHostPort, allocationMatches, allocationRecord, backendPortRange } from './allocation.ts';
import { PortRangeExhaustedError } from './allocator/index.ts';
import type { ForwardSpec, PortRange } from './contracts.ts';
import { heldByAnotherUser, userPortBlock } from './user-ports.ts';
import { DEFAULT_NAMESPACE } from '../../apis/meta.ts';
import { userOfNamespace } from '../../apis/multi-user/identity.ts';
import { formatEndpoint, PortInUseError } from './forward/index.ts';
import type { PortForwarding } from './forwarding.ts';
import { findPortHolder } from './holder/index.ts';
import { claimFixedPort, repositoryOf, rivalBindings, standbyMessage, type FixedPortClaim } from './ownership.ts';
import { CONFLICT_RETRY_MS, knownHostPort, stopForwarder, WAIT_RETRY_MS, writeObservation, type BindingScope } from './scope.ts';

/** The steps converging the binding of `scope`, in order (see the module comment). */
export function bindingSteps(scope: BindingScope): StepEntry<BindingScope>[] {
  const forwarded: Step<BindingScope>[] = [endpointStep, ...(scope.binding.protocol === 'udp' ? [udpChannelStep] : []), forwardStep];
  return [exposureStep, workspaceStep, providerStep, claimStep, ...(scope.deps.multiUser !== undefined ? [otherUserStep] : []), allocateStep, ...(scope.deps.forwarding !== undefined ? forwarded : [reportStep])];
}

/** Says once when the node does not allow the address the binding asks to listen on. */
const exposureStep: Step<BindingScope> = {
  name: 'exposure',
  run: async ({ pb, exposure, binding, ctx }) => {
    const reported = pb.status?.conditions?.find((c) => c.type === EXPOSED)?.reason === EXPOSURE_NOT_ALLOWED;
    if (exposure.kind === 'downgraded' && !reported) {
      ctx.log.warn({ wanted: exposure.wanted }, `${exposure.askedBy} asks to listen on ${exposure.wanted}, which the node does not allow; listening on ${binding.hostIP}`);
    }
  },
};

/** The binding's workspace; while it is missing or being deleted nothing forwards and the binding waits. */
const workspaceStep: Step<BindingScope> = {
  name: 'workspace',
  run: async (scope) => {
    const { binding } = scope;
    const ws = await getIfExists<Workspace>(scope.ctx.client, 'Workspace', binding.namespace, binding.workspace);
    const kept = allocationMatches(scope.pb.status?.allocation, binding) ? scope.pb.status?.allocation : undefined;
    if (kept !== undefined) scope.kept = kept;
    if (ws !== undefined && !isBeingDeleted(ws)) {
      scope.ws = ws;
      return undefined;
    }
    await stopForwarder(scope);
    const message = ws === undefined ? `workspace ${binding.workspace} not found in namespace ${binding.namespace}` : `workspace ${binding.workspace} is being deleted`;
    await writeObservation(scope, { kind: 'waiting', reason: ws === undefined ? 'WorkspaceNotFound' : 'WorkspaceDeleting', message }, kept, knownHostPort(scope, kept));
    return finish({ requeueAfter: scope.deps.waitRetryMs ?? WAIT_RETRY_MS });
  },
};

/** The workspace's provider; an unavailable backend is recorded (Bound) and stays terminal. */
const providerStep: Step<BindingScope> = {
  name: 'provider',
  condition: BOUND,
  run: async (scope) => {
    scope.provider = scope.deps.providers.get(backendOf(found(scope.ws, 'workspace')));
  },
};

/** The fixed-port decision among the workspaces of the workspace's repository; none without a fixed port. */
const claimStep: Step<BindingScope> = {
  name: 'claim',
  when: (scope) => scope.binding.fixedPort !== undefined,
  run: async (scope) => {
    scope.claim = await fixedPortClaim(scope, found(scope.ws, 'workspace'), found(scope.binding.fixedPort, 'claim'));
  },
};

/**
 * Multi-user node: a fixed port held by another user's binding (user-ports.ts) is a Conflict that
 * does not say whose, retried later; a switch never takes it over.
 */
const otherUserStep: Step<BindingScope> = {
  name: 'otherUser',
  when: (scope) => scope.binding.fixedPort !== undefined && scope.claim?.kind === 'own',
  run: async (scope) => {
    const port = found(scope.binding.fixedPort, 'claim');
    const bindings = (await scope.ctx.client.list<PortBinding>('PortBinding')).items;
    const { pb, binding } = scope;
    const asker = {
      uid: scope.uid,
      namespace: binding.namespace,
      protocol: binding.protocol,
      holdsIt: pb.status?.phase === 'Bound' && pb.status.hostPort === port,
      ...(pb.metadata.creationTimestamp !== undefined ? { creationTimestamp: pb.metadata.creationTimestamp } : {}),
    };
    if (!heldByAnotherUser(bindings, asker, port)) return undefined;
    await stopForwarder(scope);
    const message = `${formatEndpoint(binding.hostIP, port)} is held by another user's workspace on this node; choose another hostPort (or none: an allocated port is always free)`;
    await writeObservation(scope, { kind: 'conflict', message }, scope.kept, port);
    return finish({ requeueAfter: scope.deps.conflictRetryMs ?? CONFLICT_RETRY_MS });
  },
};

/**
 * The host port: the fixed one this binding owns, else the kept allocation or a new one (persisted
 * before anything listens on it; a full range is recorded in Bound and terminal).
 */
const allocateStep: Step<BindingScope> = {
  name: 'allocate',
  condition: BOUND,
  run: async (scope) => {
    const { binding, claim } = scope;
    let allocation = scope.kept;
    if (allocation === undefined && (binding.fixedPort === undefined || claim?.kind === 'standby')) allocation = await allocate(scope, found(scope.ws, 'workspace'));
    if (allocation !== undefined) scope.allocation = allocation;
    scope.hostPort = binding.fixedPort !== undefined && claim?.kind === 'own' ? binding.fixedPort : found(allocation, 'allocate').hostPort;
    if (claim?.kind === 'standby') scope.standby = standbyMessage(claim.fixedPort, claim.owner, found(scope.ws, 'workspace').metadata.name);
  },
};

/** One-shot mode: report the port; a Bound/Standby status a daemon wrote for the same port stays. */
const reportStep: Step<BindingScope> = {
  name: 'report',
  run: async (scope) => {
    const { pb, binding } = scope;
    const hostPort = found(scope.hostPort, 'allocate');
    const status = pb.status;
    const daemonReported = (status?.phase === 'Bound' || status?.phase === 'Standby') && status.hostPort === hostPort && status.observedGeneration === pb.metadata.generation;
    if (daemonReported) return;
    const where = formatEndpoint(binding.hostIP, hostPort);
    await writeObservation(scope, { kind: 'waiting', reason: DAEMON_NOT_RUNNING, message: `host port ${where} is allocated; forwarding needs the daemon (boulder daemon)` }, scope.allocation, hostPort);
  },
};

/** Where the workspace (or its service) answers; while it does not run, nothing forwards and the binding waits. */
const endpointStep: Step<BindingScope> = {
  name: 'endpoint',
  run: async (scope) => {
    const { binding } = scope;
    const ws = found(scope.ws, 'workspace');
    const endpoint = await found(scope.provider, 'provider').endpoint(runtimeTarget(ws), binding.service === undefined ? {} : { service: binding.service });
    if (endpoint !== undefined) {
      scope.endpoint = endpoint;
      return undefined;
    }
    const hostPort = found(scope.hostPort, 'allocate');
    await stopForwarder(scope);
    await writeObservation(scope, { kind: 'waiting', reason: binding.service === undefined ? 'WorkspaceNotRunning' : 'ServiceNotRunning', message: notRunningMessage(scope, ws, hostPort) }, scope.allocation, hostPort);
    return finish({ requeueAfter: scope.deps.waitRetryMs ?? WAIT_RETRY_MS });
  },
};

/**
 * A UDP binding to a workspace reached through a TCP-only channel (a Kubernetes Pod through the
 * API server's port-forward): reported, nothing listens, no retry until the spec changes.
 */
const udpChannelStep: Step<BindingScope> = {
  name: 'udpChannel',
  when: (scope) => found(scope.endpoint, 'endpoint').dial !== undefined,
  run: async (scope) => {
    const hostPort = found(scope.hostPort, 'allocate');
    await stopForwarder(scope);
    const message = udpUnsupportedMessage(backendOf(found(scope.ws, 'workspace')), scope.binding.containerPort);
    scope.ctx.log.warn({ hostPort }, message);
    await writeObservation(scope, { kind: 'failed', reason: UNSUPPORTED, message }, scope.allocation, hostPort);
    return finish();
  },
};

/** Forwards the host port to the endpoint and reports Bound/Standby, or Conflict when the port is held. */
const forwardStep: Step<BindingScope> = {
  name: 'forward',
  run: async (scope) => {
    const { binding, allocation } = scope;
    const forwarding = scope.deps.forwarding;
    if (forwarding === undefined) throw new Error('the forward step runs only with the daemon\'s forwarders');
    const endpoint = found(scope.endpoint, 'endpoint');
    const hostPort = found(scope.hostPort, 'allocate');
    const target = {
      host: endpoint.host,
      port: binding.containerPort,
      ...(endpoint.dial !== undefined ? { dial: endpoint.dial } : {}),
      ...(endpoint.instance !== undefined ? { instance: endpoint.instance } : {}),
    };
    const kernel = kernelAllowed(scope, found(scope.ws, 'workspace'));
    const spec: ForwardSpec = { id: scope.uid, protocol: binding.protocol, hostIP: binding.hostIP, hostPort, target, workspace: `${binding.namespace}/${binding.workspace}`, name: scope.pb.metadata.name, kernel };
    try {
      const outcome = await ensureForwarder(scope, forwarding, spec);
      if (outcome !== 'unchanged') scope.ctx.log.info({ outcome, hostPort, target: formatEndpoint(target.host, target.port), path: forwarding.path(scope.uid) }, `forwarder ${outcome}`);
    } catch (err) {
      return forwardFailure(scope, forwarding, err, hostPort);
    }
    const upstreamFailure = forwarding.upstreamFailure(scope.uid);
    const { standby } = scope;
    const observation = {
      kind: 'forwarding' as const,
      endpoint: formatEndpoint(binding.hostIP, hostPort),
      target: formatEndpoint(endpoint.host, binding.containerPort),
      ...(standby !== undefined ? { standby } : {}),
      ...(upstreamFailure !== undefined ? { upstreamFailure } : {}),
    };
    await writeObservation(scope, observation, allocation, hostPort);
    return undefined;
  },
};

/**
 * Whether the kernel may forward this binding (see ForwardSpec.kernel): the workspace runs and is
 * meant to, and has no idle policy — the daemon must see every connection to wake or keep it awake.
 */
function kernelAllowed(scope: BindingScope, ws: Workspace): boolean {
  return ws.status?.phase === 'Running' && (ws.spec.state ?? 'Running') === 'Running' && idleTimeoutMs(ws, scope.deps.defaultIdleTimeout) === undefined;
}

/**
 * A failed forward: a port held by someone else is a Conflict naming the holder (retried); a
 * listen failure is recorded (terminal when not permitted); a stopping daemon reports nothing.
 */
async function forwardFailure(scope: BindingScope, forwarding: PortForwarding, err: unknown, hostPort: number): Promise<StepOutcome> {
  const { allocation, ctx } = scope;
  if (err instanceof PortInUseError) {
    const conflict = await conflictOf(scope, forwarding, hostPort);
    ctx.log.warn({ hostPort, holder: conflict.holder }, conflict.message);
    await writeObservation(scope, { kind: 'conflict', ...conflict }, allocation, hostPort);
    return finish({ requeueAfter: scope.deps.conflictRetryMs ?? CONFLICT_RETRY_MS });
  }
  if (forwarding.closed) return finish(); // the daemon is stopping: nothing to report
  if (err instanceof BoulderError) {
    await writeObservation(scope, { kind: 'failed', reason: LISTEN_FAILED, message: err.message }, allocation, hostPort);
    // Not permitted (a port below 1024 without the privilege) stays so until the spec changes.
    if (isErrorCode(err, 'Forbidden')) throw new TerminalError(LISTEN_FAILED, err.message, { cause: err });
  }
  throw err;
}

/**
 * `forwarding.ensure`; when the fixed port this binding owns is still held by a forwarder of a
 * rival that now stands by (a switch in progress), that forwarder is stopped, the rival is
 * enqueued to move to its own port, and the ensure is retried once.
 */
async function ensureForwarder(scope: BindingScope, forwarding: PortForwarding, spec: ForwardSpec): Promise<string> {
  const { claim } = scope;
  try {
    return await forwarding.ensure(scope.key, spec);
  } catch (err) {
    if (!(err instanceof PortInUseError) || claim?.kind !== 'own') throw err;
    const holder = forwarding.holderOf(spec.hostIP, spec.hostPort, spec.protocol, spec.id);
    const rival = holder === undefined ? undefined : claim.rivals.find((r) => r.uid === holder.id);
    if (holder === undefined || rival === undefined) throw err;
    scope.ctx.log.info({ hostPort: spec.hostPort, from: rival.key }, `taking port ${spec.hostPort} over from portbinding ${rival.key}`);
    await forwarding.stop(holder.id);
    scope.deps.enqueue?.(rival.key);
    return forwarding.ensure(scope.key, spec);
  }
}

/** Who holds the port, for the Conflict condition. */
async function conflictOf(scope: BindingScope, forwarding: PortForwarding, hostPort: number): Promise<{ message: string; holder?: PortBindingHolder }> {
  const { binding } = scope;
  const where = formatEndpoint(binding.hostIP, hostPort);
  const own = forwarding.holderOf(binding.hostIP, hostPort, binding.protocol, scope.uid);
  if (own !== undefined && scope.deps.multiUser !== undefined && !own.key.startsWith(`${binding.namespace}/`)) {
    // Another user's binding: users do not see each other's objects.
    return { message: `${where} is held by another user's workspace on this node` };
  }
  if (own !== undefined) {
    return { message: `${where} is held by portbinding ${own.key}, forwarded by this daemon (pid ${process.pid})`, holder: { pid: process.pid, command: 'boulder' } };
  }
  const find = scope.deps.findHolder ?? findPortHolder;
  const holder = await find(hostPort, binding.protocol).catch(() => undefined);
  if (holder === undefined) return { message: `${where} is held by an outgoing connection or another process` };
  return { message: `${where} is held by pid ${holder.pid} (${holder.command})`, holder: { pid: holder.pid, command: holder.command } };
}

/** The fixed-port decision among the workspaces of `ws`'s repository. */
async function fixedPortClaim(scope: BindingScope, ws: Workspace, fixedPort: number): Promise<FixedPortClaim> {
  const repository = repositoryOf(ws);
  if (repository === undefined) return { kind: 'own', rivals: [] };
  const client = scope.ctx.client;
  const [bindings, workspaces] = await Promise.all([client.list<PortBinding>('PortBinding'), client.list<Workspace>('Workspace')]);
  // On a multi-user node a user's fixed port is contended by their own workspaces only.
  const contenders = scope.deps.multiUser === undefined ? workspaces.items : workspaces.items.filter((other) => (other.metadata.namespace ?? DEFAULT_NAMESPACE) === scope.binding.namespace);
  const rivals = rivalBindings({
    binding: scope.binding,
    uid: scope.uid,
    repository,
    bindings: bindings.items,
    workspaces: contenders,
    ...(scope.deps.exposure !== undefined ? { exposure: scope.deps.exposure } : {}),
  });
  if (rivals.length === 0) return { kind: 'own', rivals: [] };
  // The repository's active workspace as recorded on its Workspaces (apis/active-workspace.ts).
  const current = activeWorkspace(contenders.filter((other) => repositoryOf(other) === repository));
  return claimFixedPort(ws, fixedPort, rivals, current);
}

/**
 * Allocates the binding's port and persists it before anything listens on it, one allocation
 * at a time; a full range is terminal (the step records it).
 */
async function allocate(scope: BindingScope, ws: Workspace): Promise<PortBindingAllocation> {
  const { binding, deps, ctx } = scope;
  return scope.allocations.run('host-ports', async () => {
    const bindings = (await ctx.client.list<PortBinding>('PortBinding')).items;
    let hostPort: number;
    try {
      const range = allocationRange(scope, ws);
      hostPort = await allocateHostPort({
        binding,
        uid: scope.uid,
        workspace: ws,
        bindings,
        range,
        ...(deps.portRange !== undefined ? { overflowRange: deps.portRange } : {}),
        ...(deps.probe !== undefined ? { probe: deps.probe } : {}),
      });
    } catch (err) {
      if (!(err instanceof PortRangeExhaustedError)) throw err;
      throw new TerminalError(PORT_RANGE_EXHAUSTED, err.message, { cause: err });
    }
    const allocation = allocationRecord(binding, hostPort);
    const { object } = await writeStatusIfChanged(ctx.client, scope.pb, { ...scope.pb.status, allocation });
    scope.pb = object;
    ctx.log.info({ hostPort }, `allocated host port ${hostPort} for ${binding.namespace}/${binding.workspace} ${binding.name}`);
    return allocation;
  });
}

/** The range the binding allocates in: the user's port_range or the backend's, narrowed to the owner's block on a multi-user node. */
function allocationRange(scope: BindingScope, ws: Workspace): PortRange {
  const range = scope.deps.portRange ?? backendPortRange(backendOf(ws));
  const user = userOfNamespace(scope.binding.namespace);
  return scope.deps.multiUser === undefined || user === undefined ? range : userPortBlock(user, range);
}

/** Why the binding waits for its workspace or service to run. */
function notRunningMessage(scope: BindingScope, ws: Workspace, hostPort: number): string {
  const phase = ws.status?.phase ?? 'Pending';
  const what = scope.binding.service === undefined ? `workspace ${ws.metadata.name}` : `service ${scope.binding.service} of workspace ${ws.metadata.name}`;
  return `${what} is not running (workspace phase ${phase}); host port ${hostPort} is kept for it`;
}

/** Why a UDP binding cannot be forwarded to a workspace of `backend` (pure). */
export function udpUnsupportedMessage(backend: Backend, containerPort: number): string {
  const kubernetes = backend === 'kubernetes';
  const channel = kubernetes ? "the Kubernetes API server's port-forward, which carries TCP only" : 'a channel that carries TCP only';
  const instead = kubernetes ? 'use protocol tcp, or expose the port with a Service of type NodePort or LoadBalancer' : 'use protocol tcp';
  return `UDP port ${containerPort} cannot be forwarded: this ${backend} workspace is reached through ${channel} (${instead})`;
}
