/**
 * Kubernetes object machinery shared by every kind: metadata, owner references and conditions.
 * The generated per-kind types in `apis/types/` are structurally compatible with `KubeObject`.
 */

/** API group of every boulder kind. */
export const GROUP = 'nexus.dev';
/** API version of every boulder kind. */
export const VERSION = 'v1alpha1';
/** `apiVersion` field value of every boulder kind. */
export const API_VERSION = `${GROUP}/${VERSION}`;
/** Namespace used when none is given. */
export const DEFAULT_NAMESPACE = 'default';
/** Finalizer boulder's controllers put on the objects whose cleanup they own. */
export const CLEANUP_FINALIZER = 'nexus.dev/cleanup';

/** A reference from a dependent object to its owner (same namespace). */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** Standard object metadata, with Kubernetes semantics. */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
}

/** Condition status values. */
export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** One entry of `status.conditions`, keyed by `type`. */
export interface Condition {
  type: string;
  status: ConditionStatus;
  /** CamelCase, machine-readable reason. */
  reason: string;
  message: string;
  observedGeneration?: number;
  /** RFC 3339; moves only when `status` flips. */
  lastTransitionTime: string;
}

/** The status fields every kind shares. */
export interface CommonStatus {
  observedGeneration?: number;
  phase?: string;
  conditions?: Condition[];
}

/** Any object stored by a ResourceClient. */
export interface KubeObject<Spec = unknown, Status = unknown> {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: Spec;
  status?: Status;
}

/** `namespace/name`, the key a controller reconciles. */
export function objectKey(obj: { metadata: { namespace?: string; name: string } }): string {
  return `${obj.metadata.namespace ?? DEFAULT_NAMESPACE}/${obj.metadata.name}`;
}

/** Splits a `namespace/name` key. */
export function parseObjectKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  if (slash < 0) return { namespace: DEFAULT_NAMESPACE, name: key };
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
