/**
 * Allocating a binding's host port: the range of its workspace's backend (or the user's
 * port_range), its offset among the workspace's ports in declaration order, and the ports every
 * other binding holds. The reconciler runs allocations one at a time, so two bindings reconciled
 * at once never pick the same free port.
 */
import { defaulted } from '../../apis/defaulted.ts';
import { DEFAULT_NAMESPACE } from '../../apis/meta.ts';
import type { PortBinding, PortBindingAllocation, Workspace } from '../../apis/types/index.ts';
import { controllerOwnerKey } from '../runtime/owners.ts';
import type { Backend } from '../providers/types.ts';
import { allocate, portTakenCheck } from './allocator/index.ts';
import { bindingPortName, servicePortName, type ResolvedBinding } from './binding.ts';
import { PORT_PLAN, type PortProtocol, type PortRange } from './contracts.ts';

/** The range a backend's workspaces allocate in (Sprite has its own; the others share Docker's). */
export function backendPortRange(backend: Backend): PortRange {
  return backend === 'sprite' ? { ...PORT_PLAN.sprite } : { ...PORT_PLAN.docker };
}

/** True when `allocation` was made for the binding's current name, protocol and address. */
export function allocationMatches(allocation: PortBindingAllocation | undefined, binding: ResolvedBinding): allocation is PortBindingAllocation {
  return allocation !== undefined && allocation.name === binding.name && allocation.protocol === binding.protocol && allocation.hostIP === binding.hostIP;
}

/** The allocation record of `hostPort` for `binding`. */
export function allocationRecord(binding: ResolvedBinding, hostPort: number): PortBindingAllocation {
  return { hostPort, name: binding.name, protocol: binding.protocol, hostIP: binding.hostIP };
}

/** Host ports held by bindings other than `selfUid`: bound, allocated or fixed in their spec. */
export function portsHeldByOthers(bindings: readonly PortBinding[], selfUid: string): Set<number> {
  const held = new Set<number>();
  for (const pb of bindings) {
    if (pb.metadata.uid === selfUid) continue;
    for (const port of [pb.spec.hostPort, pb.status?.hostPort, pb.status?.allocation?.hostPort]) {
      if (port !== undefined) held.add(port);
    }
  }
  return held;
}

/**
 * The port names of a workspace in declaration order, as the allocator plans offsets: the keys of
 * spec.ports, then each service's published ports (`<service>-<port>`), then the names of
 * standalone bindings naming the workspace (oldest first).
 */
export function workspacePortNames(ws: Workspace, bindings: readonly PortBinding[]): string[] {
  const { spec: wsSpec } = defaulted(ws);
  const names = Object.keys(wsSpec.ports ?? {});
  for (const [service, spec] of Object.entries(wsSpec.services ?? {})) {
    for (const port of spec.ports ?? []) names.push(servicePortName(service, port.containerPort, port.protocol));
  }
  const namespace = ws.metadata.namespace ?? DEFAULT_NAMESPACE;
  const standalone = bindings
    .filter((pb) => (pb.metadata.namespace ?? DEFAULT_NAMESPACE) === namespace && pb.spec.workspace === ws.metadata.name)
    .filter((pb) => controllerOwnerKey(pb, 'Workspace') !== `${namespace}/${ws.metadata.name}`)
    .sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || a.metadata.name.localeCompare(b.metadata.name));
  for (const pb of standalone) {
    const name = bindingPortName(pb.spec);
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

/** What `allocateHostPort` needs. */
export interface AllocateInputs {
  binding: ResolvedBinding;
  uid: string;
  workspace: Workspace;
  /** Every PortBinding of every namespace (host ports are shared by all). */
  bindings: readonly PortBinding[];
  range: PortRange;
  /** Where ports beyond a workspace's 10 go (default: the dynamic range). */
  overflowRange?: PortRange;
  /** Host probe (default: bind the port on the binding's address). */
  probe?: (hostIP: string, port: number, protocol: PortProtocol) => Promise<boolean>;
}

/** Picks the binding's host port (see the module comment); throws PortRangeExhaustedError when full. */
export function allocateHostPort(inputs: AllocateInputs): Promise<number> {
  const { binding } = inputs;
  const isTaken = portTakenCheck({
    taken: portsHeldByOthers(inputs.bindings, inputs.uid),
    hostIP: binding.hostIP,
    protocol: binding.protocol,
    ...(inputs.probe !== undefined ? { probe: inputs.probe } : {}),
  });
  return allocate(
    {
      namespace: binding.namespace,
      workspace: binding.workspace,
      portName: binding.name,
      workspacePorts: workspacePortNames(inputs.workspace, inputs.bindings),
      protocol: binding.protocol,
      range: inputs.range,
      ...(inputs.overflowRange !== undefined ? { overflowRange: inputs.overflowRange } : {}),
    },
    isTaken,
  );
}
