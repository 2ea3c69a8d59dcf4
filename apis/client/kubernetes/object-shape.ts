/**
 * The shape of objects crossing the wire: what the API server returns is brought into boulder's
 * canonical form (the same keys, order and omissions as the embedded store: no managedFields,
 * no empty collections), and what boulder sends carries only the fields each verb may set.
 */
import type { KindInfo } from '../../kinds.ts';
import { API_VERSION, type KubeObject, type ObjectMeta } from '../../meta.ts';
import { canonicalObject } from '../../store/object-semantics.ts';

/** An object as the API server sent it, in canonical form; apiVersion/kind filled in for list items. */
export function fromServer<T extends KubeObject>(raw: unknown, info?: KindInfo): T {
  const obj = raw as KubeObject;
  const filled: KubeObject = {
    ...obj,
    apiVersion: obj.apiVersion ?? `${info?.group ?? ''}/${info?.version ?? ''}`,
    kind: obj.kind ?? info?.kind ?? '',
    metadata: obj.metadata ?? { name: '' },
  };
  return canonicalObject(filled) as T;
}

/** The metadata fields a client may set, plus the identity and preconditions. */
function writableMetadata(meta: ObjectMeta, namespace: string, resourceVersion: string | undefined): ObjectMeta {
  const out: ObjectMeta = { name: meta.name, namespace };
  if (meta.uid !== undefined && meta.uid !== '') out.uid = meta.uid;
  if (resourceVersion !== undefined && resourceVersion !== '') out.resourceVersion = resourceVersion;
  if (meta.labels !== undefined) out.labels = meta.labels;
  if (meta.annotations !== undefined) out.annotations = meta.annotations;
  if (meta.finalizers !== undefined) out.finalizers = meta.finalizers;
  if (meta.ownerReferences !== undefined) out.ownerReferences = meta.ownerReferences;
  return out;
}

/** Body of a create (POST): user metadata and spec; status is not sent (create ignores it). */
export function createBody(obj: KubeObject, namespace: string): KubeObject {
  const meta = writableMetadata(obj.metadata, namespace, undefined);
  delete meta.uid;
  return withSpec({ apiVersion: obj.apiVersion ?? API_VERSION, kind: obj.kind, metadata: meta }, obj.spec);
}

/** Body of an update (PUT): user metadata and spec at `resourceVersion`; status is not sent. */
export function updateBody(obj: KubeObject, namespace: string, resourceVersion: string): KubeObject {
  const meta = writableMetadata(obj.metadata, namespace, resourceVersion);
  return withSpec({ apiVersion: obj.apiVersion ?? API_VERSION, kind: obj.kind, metadata: meta }, obj.spec);
}

/** Body of a status update (PUT …/status): identity, `resourceVersion` and status. */
export function statusBody(obj: KubeObject, namespace: string, resourceVersion: string): KubeObject {
  const meta: ObjectMeta = { name: obj.metadata.name, namespace, resourceVersion };
  if (obj.metadata.uid !== undefined && obj.metadata.uid !== '') meta.uid = obj.metadata.uid;
  const body: KubeObject = { apiVersion: obj.apiVersion ?? API_VERSION, kind: obj.kind, metadata: meta };
  if (obj.status !== undefined) body.status = obj.status;
  return body;
}

/**
 * Body of a server-side apply: the applied configuration (user metadata and spec). A
 * resourceVersion, when set, is a precondition; the uid is checked by the caller (the API server
 * answers a mismatching uid with 422 rather than 409).
 */
export function applyBody(obj: KubeObject, namespace: string): KubeObject {
  const meta = writableMetadata(obj.metadata, namespace, obj.metadata.resourceVersion);
  delete meta.uid;
  return withSpec({ apiVersion: obj.apiVersion ?? API_VERSION, kind: obj.kind, metadata: meta }, obj.spec);
}

/**
 * The configuration apply sends for `obj` when `stored` exists, with the embedded store's apply
 * semantics (which server-side apply alone does not have: it would drop a label or annotation the
 * field manager applied before and omits now): labels and annotations merged over the stored
 * ones, finalizers and ownerReferences kept unless given, and the stored resourceVersion as a
 * precondition (unless the caller set one), so nothing changes between the read and the write.
 */
export function applyConfiguration<T extends KubeObject>(obj: T, stored: KubeObject | undefined): T {
  if (stored === undefined) return obj;
  const meta = obj.metadata;
  // Empty maps are left out: applying `{}` would make the manager own the map itself (a write).
  const merged: ObjectMeta = { ...meta };
  const labels = { ...stored.metadata.labels, ...meta.labels };
  if (Object.keys(labels).length > 0) merged.labels = labels;
  else delete merged.labels;
  const annotations = { ...stored.metadata.annotations, ...meta.annotations };
  if (Object.keys(annotations).length > 0) merged.annotations = annotations;
  else delete merged.annotations;
  const finalizers = meta.finalizers ?? stored.metadata.finalizers;
  if (finalizers !== undefined) merged.finalizers = finalizers;
  const ownerReferences = meta.ownerReferences ?? stored.metadata.ownerReferences;
  if (ownerReferences !== undefined) merged.ownerReferences = ownerReferences;
  const resourceVersion = meta.resourceVersion === undefined || meta.resourceVersion === '' ? stored.metadata.resourceVersion : meta.resourceVersion;
  if (resourceVersion !== undefined) merged.resourceVersion = resourceVersion;
  return { ...obj, metadata: merged };
}

function withSpec(body: KubeObject, spec: unknown): KubeObject {
  if (spec !== undefined) body.spec = spec;
  return body;
}
