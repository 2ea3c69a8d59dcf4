/**
 * The build's paths, checked again on disk right before the image is built: validation checked them
 * lexically, but the repository on disk can differ from what was validated (a symlinked context or
 * Dockerfile pointing out of the repository, `..` reached through a link). Every path is resolved
 * with realpath and must stay inside the (resolved) repository root and build context; a path that
 * does not exist yet is left to the build, which reports it.
 */
import { realpath } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { buildPathProblems } from '../../apis/validation/build-paths.ts';
import type { ImageSource } from '../providers/types.ts';
import { TerminalError } from '../runtime/errors.ts';

/** Condition reason of a build path that leaves the repository or its build context. */
export const BUILD_PATH_ESCAPES = 'BuildPathOutsideRepository';

/** The lexical check of a spec's build paths (pure): a TerminalError for the first problem. */
export function assertBuildPathsRelative(build: { context?: string; dockerfile?: string }): void {
  const [problem] = buildPathProblems(build);
  if (problem !== undefined) throw new TerminalError(BUILD_PATH_ESCAPES, `spec.build.${problem.field}: ${problem.message}`);
}

/** True when `child` is `parent` or below it (both absolute and resolved). */
export function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (rel !== '..' && !rel.startsWith('../') && !isAbsolute(rel));
}

/**
 * Checks, with realpath, that a build's context is inside `root` (the worktree, or the repository)
 * and its Dockerfile inside the context. Throws a TerminalError (reason BuildPathOutsideRepository)
 * naming the link that leads out. Does nothing for an image.
 */
export async function assertBuildContained(source: ImageSource, root: string): Promise<void> {
  if (source.kind !== 'build') return;
  const realRoot = await realpathOrUndefined(root);
  if (realRoot === undefined) return;
  const realContext = await realpathOrUndefined(source.context);
  if (realContext === undefined) return;
  if (!isInside(realRoot, realContext)) {
    throw new TerminalError(BUILD_PATH_ESCAPES, `spec.build.context: ${source.context} resolves to ${realContext}, outside the repository ${realRoot} (through a symbolic link); the build context must be a directory of the repository`);
  }
  const dockerfile = join(source.context, source.dockerfile);
  const realDockerfile = await realpathOrUndefined(dockerfile);
  if (realDockerfile !== undefined && !isInside(realContext, realDockerfile)) {
    throw new TerminalError(BUILD_PATH_ESCAPES, `spec.build.dockerfile: ${dockerfile} resolves to ${realDockerfile}, outside the build context ${realContext} (through a symbolic link); the Dockerfile must be a file of the build context`);
  }
}

async function realpathOrUndefined(path: string): Promise<string | undefined> {
  try {
    return await realpath(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    if (code === 'ELOOP') throw new TerminalError(BUILD_PATH_ESCAPES, `${path}: too many levels of symbolic links`, { cause: err });
    throw err;
  }
}
