/**
 * The Workspace's owned PortBindings: one per `spec.ports` entry (`<workspace>-<port>`) and one
 * per published service port (`<workspace>-<service>-<port>`), each controlled by the workspace
 * (deleted with it) and labelled `nexus.dev/workspace`. `desiredPortBindings` is pure;
 * `ensurePortBindings` creates missing ones, updates changed ones (only the fields the workspace
 * owns, owned-fields.ts: its spec fields, that label and its owner reference; a user's labels,
 * annotations and other references stay) and deletes owned ones no longer declared. Host
 * ports are not part of the container's configuration, so none of this recreates the container.
 */
import type { ResourceClient } from '../../apis/client/types.ts';
import { isErrorCode } from '../../apis/errors.ts';
import { API_VERSION, DEFAULT_NAMESPACE, type OwnerReference } from '../../apis/meta.ts';
import type { PortBinding, PortBindingSpec, Workspace } from '../../apis/types/index.ts';
import { derivedPortBindings, portBindingName, portBindingNameCollisions, type DerivedPortBinding } from '../../apis/port-binding-names.ts';
import { formatFieldPath } from '../../apis/validation/field-path.ts';
import { hostIPFor, LOOPBACK_HOST_IP } from '../../apis/port-addresses.ts';
import { defaulted, type DefaultedServicePort, type DefaultedWorkspacePort } from '../../apis/defaulted.ts';
import { TerminalError } from '../runtime/errors.ts';
import type { Logger } from '../runtime/logger.ts';
import { ownedFieldsEqual, withOwnedFields } from './owned-fields.ts';
import { WORKSPACE_LABEL } from '../../apis/names/index.ts';

/** Longest PortBinding spec.name the schema accepts. */
const MAX_PORT_NAME = 63;

export { portBindingName };

/** The owner reference of a workspace's bindings. */
export function workspaceOwnerReference(ws: Workspace): OwnerReference {
  return { apiVersion: API_VERSION, kind: 'Workspace', name: ws.metadata.name, uid: ws.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

/**
 * The PortBindings `ws` should own, in declaration order (pure). Two declarations that derive the
 * same name (validation rejects them, but an object may reach the store by another path, e.g.
 * kubectl on a cluster) are a TerminalError: one binding's spec would flip on every reconcile.
 */
export function desiredPortBindings(ws: Workspace): PortBinding[] {
  const derived = derivedPortBindings(defaulted(ws));
  const [collision] = portBindingNameCollisions(derived);
  if (collision !== undefined) {
    throw new TerminalError(
      'PortBindingNameCollision',
      `${formatFieldPath(collision.second.path)} and ${formatFieldPath(collision.first.path)} both derive the PortBinding name ${collision.name}; rename one of them`,
    );
  }
  return derived.map((d) => ownedBinding(ws, d.name, bindingSpec(ws, d)));
}

function bindingSpec(ws: Workspace, d: DerivedPortBinding<DefaultedWorkspacePort, DefaultedServicePort>): PortBindingSpec {
  if (d.from === 'port') {
    const { visibility } = d.port;
    const hostIP = hostIPFor(visibility);
    const spec: PortBindingSpec = {
      workspace: ws.metadata.name,
      name: d.portName,
      containerPort: d.port.containerPort,
      protocol: d.port.protocol,
      visibility,
      ...(hostIP !== undefined ? { hostIP } : {}),
    };
    if (d.port.hostPort !== undefined) spec.hostPort = d.port.hostPort;
    return spec;
  }
  const spec: PortBindingSpec = { workspace: ws.metadata.name, service: d.service, containerPort: d.port.containerPort, protocol: d.port.protocol, visibility: 'private', hostIP: LOOPBACK_HOST_IP };
  if (d.suffix.length <= MAX_PORT_NAME) spec.name = d.suffix;
  if (d.port.hostPort !== undefined) spec.hostPort = d.port.hostPort;
  return spec;
}

function ownedBinding(ws: Workspace, name: string, spec: PortBindingSpec): PortBinding {
  return {
    apiVersion: API_VERSION,
    kind: 'PortBinding',
    metadata: {
      name,
      namespace: ws.metadata.namespace ?? DEFAULT_NAMESPACE,
      labels: { [WORKSPACE_LABEL]: ws.metadata.name },
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
