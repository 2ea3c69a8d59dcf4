/**
 * Defaulting: the one function every writer (the embedded store, the CLI, the Kubernetes client)
 * runs before validating an object, so the same input always yields the same stored object.
 */
import { kindByName } from '../kinds.ts';
import { DEFAULT_NAMESPACE } from '../meta.ts';
import type { KubeObject } from '../meta.ts';
import { isRecord } from './field-path.ts';
import { fillKindDefaults } from './static-defaults.ts';

/**
 * Returns a copy of `obj` with every missing defaulted field filled: the static `default`s of the
 * kind's schema (e.g. `spec.backend: docker`), `metadata.namespace: default`, and for a Workspace
 * with a repository, `spec.repository.branch: nexus/<metadata.name>`. Values the user set are never
 * replaced, `obj` is never mutated, and applying defaults twice changes nothing more.
 */
export function applyDefaults<T extends KubeObject>(obj: T): T {
  return defaultValue(obj) as T;
}

/**
 * {@link applyDefaults} for data not yet known to be an object (a parsed document): anything that
 * is not a mapping is returned as a copy, unchanged.
 */
export function defaultValue(value: unknown): unknown {
  const copy = structuredClone(value);
  if (!isRecord(copy)) return copy;
  const kind = typeof copy.kind === 'string' ? kindByName(copy.kind) : undefined;
  if (kind !== undefined) fillKindDefaults(kind.kind, copy);
  applyDynamicDefaults(copy);
  return copy;
}

/** The defaults that depend on other fields, which a schema `default` cannot express. */
function applyDynamicDefaults(obj: Record<string, unknown>): void {
  const metadata = obj.metadata;
  if (!isRecord(metadata)) return;
  if (metadata.namespace === undefined) metadata.namespace = DEFAULT_NAMESPACE;
  if (obj.kind === 'Workspace' && isRecord(obj.spec) && typeof metadata.name === 'string') {
    const repository = obj.spec.repository;
    if (isRecord(repository) && repository.branch === undefined) repository.branch = `nexus/${metadata.name}`;
  }
}
