/**
 * Host paths in committed manifests are usually relative (`repository.path: ..`): they are
 * resolved against the directory of the manifest file (the working directory for stdin) when the
 * manifest is loaded, so the stored object always holds absolute paths and re-applying the same
 * file from anywhere is a no-op.
 */
import { isAbsolute, resolve } from 'node:path';
import type { KubeObject } from '../meta.ts';

/** Returns `obj` with its host paths made absolute against `baseDir` (pure; the input is not changed). */
export function resolveHostPaths<T extends KubeObject>(obj: T, baseDir: string): T {
  const spec = obj.spec as Record<string, unknown> | undefined;
  if (spec === undefined) return obj;
  if (obj.kind === 'Workspace') {
    const repository = spec['repository'] as { path?: unknown } | undefined;
    if (repository !== undefined && typeof repository.path === 'string' && !isAbsolute(repository.path)) {
      return { ...obj, spec: { ...spec, repository: { ...repository, path: resolve(baseDir, repository.path) } } };
    }
  }
  if (obj.kind === 'SyncSession' && typeof spec['alpha'] === 'string' && !isAbsolute(spec['alpha']) && !spec['alpha'].includes('://')) {
    return { ...obj, spec: { ...spec, alpha: resolve(baseDir, spec['alpha']) } };
  }
  return obj;
}
