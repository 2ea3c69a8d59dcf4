/**
 * Containment of a build's paths on disk: the lexical checks (build-paths.ts) see `evil` as a fine
 * context, but `evil` may be a symbolic link to `/`. Here every path is resolved with realpath and
 * must stay inside the resolved repository root (the context) and the resolved context (the
 * Dockerfile). A path that does not exist is not a containment problem (the build reports it).
 */
import { realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import type { BuildPathProblem } from './build-paths.ts';

/** True when `child` is `parent` or below it (both absolute and resolved). */
export function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (rel !== '..' && !rel.startsWith('../') && !isAbsolute(rel));
}

/** A build's paths resolved on disk: the real context, and the Dockerfile relative to it. */
export interface ResolvedBuildPaths {
  /** The context's realpath (absolute, without symbolic links). */
  context: string;
  /** The Dockerfile's realpath relative to `context` (POSIX separators). */
  dockerfile: string;
}

/**
 * Resolves the build whose context is the absolute `context` and whose Dockerfile is `dockerfile`
 * (relative to the context), in the repository `root`: the first containment problem, or the
 * resolved paths when both stay inside; `{}` when either does not exist (the build reports it).
 * The resolved paths are what must be used afterwards (one source of truth): the lexical ones may
 * lead elsewhere by then.
 */
export async function resolveBuildOnDisk(root: string, context: string, dockerfile: string): Promise<{ problem?: BuildPathProblem; resolved?: ResolvedBuildPaths }> {
  const realRoot = await resolved(root);
  if (typeof realRoot !== 'string') return realRoot?.problem === undefined ? {} : { problem: { field: 'context', message: realRoot.problem } };
  const realContext = await resolved(context);
  if (realContext === undefined) return {};
  if (typeof realContext !== 'string') return { problem: { field: 'context', message: realContext.problem } };
  if (!isInside(realRoot, realContext)) {
    return { problem: { field: 'context', message: `${context} resolves to ${realContext}, outside the repository ${realRoot} (through a symbolic link); the build context must be a directory of the repository` } };
  }
  const path = join(context, dockerfile);
  const realDockerfile = await resolved(path);
  if (realDockerfile === undefined) return {};
  if (typeof realDockerfile !== 'string') return { problem: { field: 'dockerfile', message: realDockerfile.problem } };
  if (!isInside(realContext, realDockerfile)) {
    return { problem: { field: 'dockerfile', message: `${path} resolves to ${realDockerfile}, outside the build context ${realContext} (through a symbolic link); the Dockerfile must be a file of the build context` } };
  }
  return { resolved: { context: realContext, dockerfile: relative(realContext, realDockerfile).split(sep).join('/') } };
}

/**
 * The first containment problem of a build whose context is the absolute `context` and whose
 * Dockerfile is `dockerfile` (relative to the context), in the repository `root`; undefined when
 * both stay inside (or do not exist).
 */
export async function buildEscapeOnDisk(root: string, context: string, dockerfile: string): Promise<BuildPathProblem | undefined> {
  return (await resolveBuildOnDisk(root, context, dockerfile)).problem;
}

/** realpath of `path`; undefined when it does not exist; a problem for a link loop. */
async function resolved(path: string): Promise<string | { problem: string } | undefined> {
  try {
    return await realpath(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    if (code === 'ELOOP') return { problem: `${path}: too many levels of symbolic links` };
    throw err;
  }
}
