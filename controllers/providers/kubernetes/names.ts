/**
 * Deterministic names and label selectors of a workspace's Kubernetes objects (pure). Every object
 * is named from the workspace (`nexus-<name>`, `-secrets`, `-files`) and carries its labels, so the
 * provider finds them again by name or by label and never by an id kept in status.
 */
import { createHash } from 'node:crypto';
import type { RuntimeTarget } from '../types.ts';
import { MANAGED_BY_LABEL, NAMESPACE_LABEL, WORKSPACE_LABEL } from '../../../apis/names/index.ts';

/** Longest DNS-1035 label (Service names). */
const MAX_NAME = 63;

/** Names of the objects of one workspace. */
export interface KubeNames {
  /** Namespace the objects live in. */
  namespace: string;
  /** Pod and Service. */
  pod: string;
  /** Secret holding the resolved secret environment. */
  secret: string;
  /** PersistentVolumeClaim mounted at /workspace. */
  pvc: string;
}

/**
 * The names of `target`'s objects in `namespace` (default: the workspace's own). When the objects
 * live in another namespace than the workspace, the workspace's namespace is part of the name, so
 * workspaces of two namespaces never collide. Over-long names are shortened with a hash suffix.
 */
export function kubeNames(target: RuntimeTarget, namespace?: string): KubeNames {
  const inOwnNamespace = namespace === undefined || namespace === target.namespace;
  const base = inOwnNamespace ? `nexus-${target.name}` : `nexus-${target.namespace}-${target.name}`;
  const stem = shorten(base, MAX_NAME - '-secrets'.length);
  return { namespace: namespace ?? target.namespace, pod: stem, secret: `${stem}-secrets`, pvc: `${stem}-files` };
}

/** `name` itself when it fits in `max` characters, else a prefix plus an 8-character hash. */
export function shorten(name: string, max: number): string {
  if (name.length <= max) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, max - 9).replace(/-+$/, '')}-${hash}`;
}

/** Label selector of every object of one workspace. */
export function workspaceSelector(target: RuntimeTarget): string {
  return `${MANAGED_BY_LABEL}=boulder,${WORKSPACE_LABEL}=${target.name},${NAMESPACE_LABEL}=${target.namespace}`;
}

/** Label selector of every object boulder manages. */
export const MANAGED_SELECTOR = `${MANAGED_BY_LABEL}=boulder,${WORKSPACE_LABEL}`;
