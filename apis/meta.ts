/**
 * Kubernetes object machinery shared by every kind: metadata, owner references and conditions.
 * Metadata and condition types are the generated ones (apis/types, from schemas/); the generated
 * per-kind types are structurally compatible with `KubeObject`.
 */

/** API group of every boulder kind. */
export const GROUP = 'nexus.dev';
/** API version of every boulder kind. */
export const VERSION = 'v1alpha1';
/** `apiVersion` field value of every boulder kind. */
export const API_VERSION = `${GROUP}/${VERSION}`;
/** Namespace used when none is given. */
export const DEFAULT_NAMESPACE = 'default';

/** Object metadata, owner references and conditions: generated from schemas/ (the source of truth). */
export type { ObjectMeta, OwnerReference } from './types/objectmeta.ts';
export type { Condition } from './types/condition.ts';
import type { Condition, ObjectMeta } from './types/index.ts';

/** Condition status values. */
export type ConditionStatus = Condition['status'];

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
