/**
 * The host ports of workspaces, from their PortBindings, in workspace declaration order: what
 * `boulder ports` prints and the daemon API's `workspaces.ports` answers (both import it from here,
 * below cmd/ and server/).
 */
import type { ResourceClient } from '../../apis/client/types.ts';
import { defaulted } from '../../apis/defaulted.ts';
import { kindByName, notFoundError } from '../../apis/kinds.ts';
import { DEFAULT_NAMESPACE } from '../../apis/meta.ts';
import type { PortBinding, Workspace } from '../../apis/types/index.ts';

/** Which ports: of one workspace or all, in one namespace or (undefined) every namespace. */
export interface PortSelection {
  workspace?: string;
  /** Undefined with -A. */
  namespace?: string;
}

/** One port of a workspace, as printed. */
export interface PortEntry {
  namespace: string;
  workspace: string;
  /** Port name (`web`, `postgres-5432`). */
  name: string;
  /** The service the port belongs to, when not the main container. */
  service?: string;
  protocol: string;
  containerPort: number;
  /** Host port forwarded now (or allocated / fixed, while not yet forwarded). */
  hostPort?: number;
  url?: string;
  phase: string;
  /** The PortBinding's name. */
  binding: string;
}

/** The entry of one binding (pure). `portName` is its resolved port name. */
export function portEntry(pb: PortBinding, portName: string): PortEntry {
  const entry: PortEntry = {
    namespace: pb.metadata.namespace ?? DEFAULT_NAMESPACE,
    workspace: pb.spec.workspace,
    name: portName,
    protocol: defaulted(pb).spec.protocol,
    containerPort: pb.spec.containerPort,
    phase: pb.status?.phase ?? 'Pending',
    binding: pb.metadata.name,
  };
  if (pb.spec.service !== undefined) entry.service = pb.spec.service;
  const hostPort = pb.status?.hostPort ?? pb.spec.hostPort;
  if (hostPort !== undefined) entry.hostPort = hostPort;
  if (pb.status?.url !== undefined) entry.url = pb.status.url;
  return entry;
}

/** Reads the bindings of the request, in workspace declaration order (also the API's `workspaces.ports`). */
export async function readPortEntries(client: ResourceClient, request: PortSelection): Promise<PortEntry[]> {
  const [{ bindingPortName }, { workspacePortNames }] = await Promise.all([
    import('./binding.ts'),
    import('./allocation.ts'),
  ]);
  const listOptions = request.namespace === undefined ? {} : { namespace: request.namespace };
  const [bindings, workspaces] = await Promise.all([client.list<PortBinding>('PortBinding', listOptions), client.list<Workspace>('Workspace', listOptions)]);
  const selected = bindings.items.filter((pb) => request.workspace === undefined || pb.spec.workspace === request.workspace);
  if (request.workspace !== undefined && selected.length === 0 && !workspaces.items.some((ws) => ws.metadata.name === request.workspace)) {
    throw notFoundError(kindByName('Workspace')!, request.workspace);
  }
  const order = new Map<string, string[]>();
  for (const ws of workspaces.items) order.set(`${ws.metadata.namespace ?? DEFAULT_NAMESPACE}/${ws.metadata.name}`, workspacePortNames(ws, bindings.items));
  const entries = selected.map((pb) => portEntry(pb, bindingPortName(pb.spec)));
  const rank = (e: PortEntry): number => {
    const index = order.get(`${e.namespace}/${e.workspace}`)?.indexOf(e.name) ?? -1;
    return index < 0 ? Number.MAX_SAFE_INTEGER : index;
  };
  return entries.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.workspace.localeCompare(b.workspace) || rank(a) - rank(b) || a.name.localeCompare(b.name));
}
