/**
 * Kubernetes object semantics as pure functions: what create, update, updateStatus, apply and
 * delete turn an object into. The store wraps these in transactions; nothing here does I/O, reads
 * a clock or makes up ids (they are passed in).
 */
import type { FieldIssue } from '../errors.ts';
import { DEFAULT_NAMESPACE, type KubeObject, type ObjectMeta } from '../meta.ts';
import { jsonEqual } from './json-equal.ts';

/** Values the store makes up for a new object. */
export interface CreationFacts {
  uid: string;
  /** RFC 3339, seconds precision. */
  now: string;
}

/** Formats a date as RFC 3339 with seconds precision, e.g. `2026-11-26T02:32:33Z`. */
export function rfc3339Seconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The namespace an object lives in (`default` when unset or empty). */
export function namespaceOf(obj: { metadata?: { namespace?: string } }): string {
  const ns = obj.metadata?.namespace;
  return ns === undefined || ns === '' ? DEFAULT_NAMESPACE : ns;
}

function nonEmptyRecord(value: Record<string, string> | undefined): Record<string, string> | undefined {
  return value !== undefined && Object.keys(value).length > 0 ? { ...value } : undefined;
}

function nonEmptyArray<T>(value: T[] | undefined): T[] | undefined {
  return value !== undefined && value.length > 0 ? structuredClone(value) : undefined;
}

/** Metadata in the conventional key order, without empty collections or unset fields. */
export function canonicalMetadata(meta: ObjectMeta): ObjectMeta {
  const out: ObjectMeta = { name: meta.name, namespace: meta.namespace ?? DEFAULT_NAMESPACE };
  if (meta.uid !== undefined) out.uid = meta.uid;
  if (meta.resourceVersion !== undefined) out.resourceVersion = meta.resourceVersion;
  if (meta.generation !== undefined) out.generation = meta.generation;
  if (meta.creationTimestamp !== undefined) out.creationTimestamp = meta.creationTimestamp;
  if (meta.deletionTimestamp !== undefined) out.deletionTimestamp = meta.deletionTimestamp;
  const labels = nonEmptyRecord(meta.labels);
  if (labels !== undefined) out.labels = labels;
  const annotations = nonEmptyRecord(meta.annotations);
  if (annotations !== undefined) out.annotations = annotations;
  const finalizers = nonEmptyArray(meta.finalizers);
  if (finalizers !== undefined) out.finalizers = finalizers;
  const ownerReferences = nonEmptyArray(meta.ownerReferences);
  if (ownerReferences !== undefined) out.ownerReferences = ownerReferences;
  return out;
}

/** The object in the conventional key order (apiVersion, kind, metadata, spec, status), deep-copied. */
export function canonicalObject<T extends KubeObject>(obj: T): T {
  const { apiVersion, kind, metadata, spec, status, ...rest } = obj;
  const out: KubeObject = { apiVersion, kind, metadata: canonicalMetadata(metadata) };
  if (spec !== undefined) out.spec = structuredClone(spec);
  if (status !== undefined) out.status = structuredClone(status);
  return { ...out, ...structuredClone(rest) } as T;
}

function userMetadata(meta: ObjectMeta): Pick<ObjectMeta, 'labels' | 'annotations' | 'finalizers' | 'ownerReferences'> {
  return {
    labels: meta.labels,
    annotations: meta.annotations,
    finalizers: meta.finalizers,
    ownerReferences: meta.ownerReferences,
  };
}

function systemMetadata(meta: ObjectMeta): ObjectMeta {
  return {
    name: meta.name,
    namespace: meta.namespace,
    uid: meta.uid,
    resourceVersion: meta.resourceVersion,
    generation: meta.generation,
    creationTimestamp: meta.creationTimestamp,
    deletionTimestamp: meta.deletionTimestamp,
  };
}

/** What create stores before admission: user fields plus fresh system fields; status is dropped. */
export function createCandidate<T extends KubeObject>(obj: T, facts: CreationFacts): T {
  const candidate: KubeObject = {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    metadata: {
      name: obj.metadata.name,
      namespace: namespaceOf(obj),
      uid: facts.uid,
      generation: 1,
      creationTimestamp: facts.now,
      ...userMetadata(obj.metadata),
    },
    spec: obj.spec,
  };
  return canonicalObject(candidate as T);
}

/** What update stores before admission: the incoming metadata and spec, the stored status. */
export function updateCandidate<T extends KubeObject>(existing: T, incoming: T): T {
  const candidate: KubeObject = {
    apiVersion: incoming.apiVersion,
    kind: existing.kind,
    metadata: { ...systemMetadata(existing.metadata), ...userMetadata(incoming.metadata) },
    spec: incoming.spec,
    status: existing.status,
  };
  return canonicalObject(candidate as T);
}

/** What updateStatus stores before admission: the stored object with the incoming status. */
export function statusCandidate<T extends KubeObject>(existing: T, incoming: T): T {
  return canonicalObject({ ...existing, status: incoming.status });
}

/**
 * What apply stores before admission: spec replaced; labels and annotations merged over the
 * stored ones; finalizers and ownerReferences kept unless given; status untouched.
 */
export function applyCandidate<T extends KubeObject>(existing: T, applied: T): T {
  const meta = applied.metadata;
  const candidate: KubeObject = {
    apiVersion: applied.apiVersion,
    kind: existing.kind,
    metadata: {
      ...systemMetadata(existing.metadata),
      labels: { ...existing.metadata.labels, ...meta.labels },
      annotations: { ...existing.metadata.annotations, ...meta.annotations },
      finalizers: meta.finalizers ?? existing.metadata.finalizers,
      ownerReferences: meta.ownerReferences ?? existing.metadata.ownerReferences,
    },
    spec: applied.spec,
    status: existing.status,
  };
  return canonicalObject(candidate as T);
}

/** Which parts of an admitted object a write may change. */
export type WriteScope = 'create' | 'update' | 'status';

/**
 * The object to store after admission: system fields are restored from `base` (admission may not
 * change them), status or spec+metadata are taken from the admitted object depending on `scope`,
 * and generation moves by one when spec changed on update.
 */
export function settleAdmitted<T extends KubeObject>(admitted: T, base: T, scope: WriteScope): T {
  if (scope === 'status') return canonicalObject({ ...base, status: admitted.status });
  const meta: ObjectMeta = { ...systemMetadata(base.metadata), ...userMetadata(admitted.metadata) };
  if (scope === 'update' && !jsonEqual(admitted.spec, base.spec)) meta.generation = (base.metadata.generation ?? 0) + 1;
  const settled: KubeObject = {
    apiVersion: admitted.apiVersion,
    kind: base.kind,
    metadata: meta,
    spec: admitted.spec,
    status: scope === 'create' ? undefined : base.status,
  };
  return canonicalObject(settled as T);
}

/** True when two states of an object differ in nothing but resourceVersion. */
export function sameStoredContent(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject): KubeObject => canonicalObject({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } });
  return jsonEqual(strip(a), strip(b));
}

/** Kubernetes' rule for objects being deleted: finalizers may be removed, never added. */
export function finalizerIssue(existing: KubeObject, next: KubeObject): FieldIssue | undefined {
  if (existing.metadata.deletionTimestamp === undefined) return undefined;
  const before = new Set(existing.metadata.finalizers ?? []);
  const added = (next.metadata.finalizers ?? []).filter((f) => !before.has(f));
  if (added.length === 0) return undefined;
  return {
    path: 'metadata.finalizers',
    message: `no new finalizers can be added while the object is being deleted (added: ${added.join(', ')})`,
  };
}

/** True when the object has a deletionTimestamp and no finalizers left: it must be removed. */
export function isReadyForRemoval(obj: KubeObject): boolean {
  return obj.metadata.deletionTimestamp !== undefined && (obj.metadata.finalizers ?? []).length === 0;
}

/** The object marked for deletion: deletionTimestamp set and generation bumped, like Kubernetes. */
export function markedForDeletion<T extends KubeObject>(existing: T, now: string): T {
  const meta = existing.metadata;
  return canonicalObject({
    ...existing,
    metadata: { ...meta, deletionTimestamp: now, generation: (meta.generation ?? 0) + 1 },
  });
}

/** UIDs of the owners an object names. */
export function ownerUids(obj: KubeObject): string[] {
  return (obj.metadata.ownerReferences ?? []).map((ref) => ref.uid);
}

/** A deep copy of the object carrying resourceVersion `rv`. */
export function withResourceVersion<T extends KubeObject>(obj: T, rv: number): T {
  return canonicalObject({ ...obj, metadata: { ...obj.metadata, resourceVersion: String(rv) } });
}
