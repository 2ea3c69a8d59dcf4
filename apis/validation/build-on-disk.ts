/**
 * Containment of a build's paths on disk: the lexical checks (build-paths.ts) see `evil` as a fine
 * context, but `evil` may be a symbolic link to `/`. Here every path is resolved with realpath and
 * must stay inside the resolved repository root (the context) and the resolved context (the
 * Dockerfile). A path that does not exist is not a containment problem (the build reports it).
 */
import { realpath } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import type { BuildPathProblem } from './build-paths.ts';

/** True when `child` is `parent` or below it (both absolute and resolved). */
export function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (rel !== '..' && !rel.startsWith('../') && !isAbsolute(rel));
}

/**
 * The first containment problem of a build whose context is the absolute `context` and whose
 * Dockerfile is `dockerfile` (relative to the context), in the repository `root`; undefined when
 * both stay inside (or do not exist).
 */
export async function buildEscapeOnDisk(root: string, context: string, dockerfile: string): Promise<BuildPathProblem | undefined> {
  const realRoot = await resolved(root);
  if (typeof realRoot !== 'string') return realRoot?.problem === undefined ? undefined : { field: 'context', message: realRoot.problem };
  const realContext = await resolved(context);
  if (realContext === undefined) return undefined;
  if (typeof realContext !== 'string') return { field: 'context', message: realContext.problem };
  if (!isInside(realRoot, realContext)) {
    return { field: 'context', message: `${context} resolves to ${realContext}, outside the repository ${realRoot} (through a symbolic link); the build context must be a directory of the repository` };
  }
  const path = join(context, dockerfile);
  const realDockerfile = await resolved(path);
  if (realDockerfile === undefined) return undefined;
  if (typeof realDockerfile !== 'string') return { field: 'dockerfile', message: realDockerfile.problem };
  if (!isInside(realContext, realDockerfile)) {
    return { field: 'dockerfile', message: `${path} resolves to ${realDockerfile}, outside the build context ${realContext} (through a symbolic link); the Dockerfile must be a file of the build context` };
  }
  return undefined;
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
