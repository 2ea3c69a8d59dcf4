/**
 * The Workspace's owned PortBindings: one per `spec.ports` entry (`<workspace>-<port>`) and one
 * per published service port (`<workspace>-<service>-<port>`), each controlled by the workspace
 * (deleted with it) and labelled `nexus.dev/workspace`. `desiredPortBindings` is pure;
 * `ensurePortBindings` creates missing ones, updates changed ones (only the fields the workspace
 * owns, owned-fields.ts: its spec fields, that label and its owner reference; a user's labels,
 * annotations and other references stay) and deletes owned ones no longer declared. Host
 * ports are not part of the container's configuration, so none of this recreates the container.
 */
import { createHash } from 'node:crypto';
import type { ResourceClient } from '../../apis/client/types.ts';
import { isErrorCode } from '../../apis/errors.ts';
import { API_VERSION, DEFAULT_NAMESPACE, type OwnerReference } from '../../apis/meta.ts';
import type { PortBinding, PortBindingSpec, Workspace } from '../../apis/types/index.ts';
import { hostIPFor, PRIVATE_HOST_IP, servicePortName } from '../portbinding/binding.ts';
import { LABEL_WORKSPACE } from '../providers/types.ts';
import type { Logger } from '../runtime/logger.ts';
import { ownedFieldsEqual, withOwnedFields } from './owned-fields.ts';

/** Longest object name (DNS-1123 label). */
const MAX_NAME = 63;
/** Longest PortBinding spec.name the schema accepts. */
const MAX_PORT_NAME = 63;

/** `<workspace>-<suffix>`, cut and suffixed with a short hash when longer than 63 characters. */
export function portBindingName(workspace: string, suffix: string): string {
  const name = `${workspace}-${suffix}`;
  if (name.length <= MAX_NAME) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, MAX_NAME - hash.length - 1).replace(/-+$/, '')}-${hash}`;
}

/** The owner reference of a workspace's bindings. */
export function workspaceOwnerReference(ws: Workspace): OwnerReference {
  return { apiVersion: API_VERSION, kind: 'Workspace', name: ws.metadata.name, uid: ws.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

/** The PortBindings `ws` should own, in declaration order (pure). */
export function desiredPortBindings(ws: Workspace): PortBinding[] {
  const out: PortBinding[] = [];
  for (const [portName, port] of Object.entries(ws.spec.ports ?? {})) {
    const visibility = port.visibility ?? 'private';
    const hostIP = hostIPFor(visibility);
    const spec: PortBindingSpec = {
      workspace: ws.metadata.name,
      name: portName,
      containerPort: port.containerPort,
      protocol: port.protocol ?? 'tcp',
      visibility,
      ...(hostIP !== undefined ? { hostIP } : {}),
    };
    if (port.hostPort !== undefined) spec.hostPort = port.hostPort;
    out.push(ownedBinding(ws, portName, spec));
  }
  for (const [service, svc] of Object.entries(ws.spec.services ?? {})) {
    for (const port of svc.ports ?? []) {
      const protocol = port.protocol ?? 'tcp';
      const portName = servicePortName(service, port.containerPort, protocol);
      const spec: PortBindingSpec = { workspace: ws.metadata.name, service, containerPort: port.containerPort, protocol, visibility: 'private', hostIP: PRIVATE_HOST_IP };
      if (portName.length <= MAX_PORT_NAME) spec.name = portName;
      if (port.hostPort !== undefined) spec.hostPort = port.hostPort;
      out.push(ownedBinding(ws, portName, spec));
    }
  }
  return out;
}

function ownedBinding(ws: Workspace, suffix: string, spec: PortBindingSpec): PortBinding {
  return {
    apiVersion: 'nexus.dev/v1alpha1',
    kind: 'PortBinding',
    metadata: {
      name: portBindingName(ws.metadata.name, suffix),
      namespace: ws.metadata.namespace ?? DEFAULT_NAMESPACE,
      labels: { [LABEL_WORKSPACE]: ws.metadata.name },
      ownerReferences: [workspaceOwnerReference(ws)],
    },
    spec,
  };
}

/** True when `pb` is controlled by the workspace with `uid`. */
export function isOwnedBy(pb: PortBinding, uid: string | undefined): boolean {
  return uid !== undefined && (pb.metadata.ownerReferences ?? []).some((r) => r.controller === true && r.kind === 'Workspace' && r.uid === uid);
}

/** What `ensurePortBindings` did, by binding name. */
export interface PortBindingChanges {
  created: string[];
  updated: string[];
  deleted: string[];
  /** Desired names held by a binding the workspace does not own (left alone). */
  skipped: string[];
  /** `name:hostPort` of the owned bindings that have a host port, in declaration order (e.g. `web:32801,api:32802`). */
  summary: string;
}

/** `web:32801,api:32802` from the owned bindings that report a host port, in `desired` order. */
export function hostPortSummary(desired: readonly PortBinding[], existing: ReadonlyMap<string, PortBinding>, uid: string | undefined): string {
  return desired
    .map((want) => existing.get(want.metadata.name))
    .filter((pb): pb is PortBinding => pb !== undefined && isOwnedBy(pb, uid) && pb.status?.hostPort !== undefined)
    .map((pb) => `${pb.spec.name ?? pb.metadata.name}:${pb.status!.hostPort}`)
    .join(',');
}

/** Converges the workspace's owned PortBindings to `desiredPortBindings(ws)`; see the module comment. */
export async function ensurePortBindings(client: ResourceClient, ws: Workspace, log?: Logger): Promise<PortBindingChanges> {
  const namespace = ws.metadata.namespace ?? DEFAULT_NAMESPACE;
  const existing = new Map((await client.list<PortBinding>('PortBinding', { namespace })).items.map((pb) => [pb.metadata.name, pb]));
  const desired = desiredPortBindings(ws);
  const changes: PortBindingChanges = { created: [], updated: [], deleted: [], skipped: [], summary: hostPortSummary(desired, existing, ws.metadata.uid) };
  for (const want of desired) {
    const name = want.metadata.name;
    const have = existing.get(name);
    if (have === undefined) {
      if (await createUnlessTaken(client, want)) changes.created.push(name);
      else changes.skipped.push(name);
    } else if (!isOwnedBy(have, ws.metadata.uid)) {
      changes.skipped.push(name);
    } else if (have.metadata.deletionTimestamp === undefined && !ownedFieldsEqual(have, want)) {
      await client.update<PortBinding>(withOwnedFields(have, want));
      changes.updated.push(name);
    }
  }
  const wanted = new Set(desired.map((pb) => pb.metadata.name));
  for (const pb of existing.values()) {
    if (wanted.has(pb.metadata.name) || !isOwnedBy(pb, ws.metadata.uid) || pb.metadata.deletionTimestamp !== undefined) continue;
    try {
      await client.delete('PortBinding', namespace, pb.metadata.name);
      changes.deleted.push(pb.metadata.name);
    } catch (err) {
      if (!isErrorCode(err, 'NotFound')) throw err;
    }
  }
  for (const name of changes.skipped) log?.warn({ portBinding: name }, `portbinding ${name} exists and is not owned by workspace ${ws.metadata.name}; left alone`);
  if (changes.created.length + changes.updated.length + changes.deleted.length > 0) {
    const { summary: _summary, ...changed } = changes;
    log?.info(changed, 'port bindings converged');
  }
  return changes;
}

async function createUnlessTaken(client: ResourceClient, pb: PortBinding): Promise<boolean> {
  try {
    await client.create(pb);
    return true;
  } catch (err) {
    if (isErrorCode(err, 'AlreadyExists')) return false;
    throw err;
  }
}
