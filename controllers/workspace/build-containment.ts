/**
 * The build's paths, checked in the Workspace reconcile: lexically with the spec (validation did
 * that too, but an object may reach the store by another path), and again on disk right before the
 * image is built, because the repository on disk can differ from what was validated (a symlinked
 * context or Dockerfile pointing out of the repository). Both end in a terminal condition.
 */
import { buildPathProblems } from '../../apis/validation/build-paths.ts';
import { resolveBuildOnDisk } from '../../apis/validation/build-on-disk.ts';
import type { ImageSource } from '../providers/types.ts';
import { TerminalError } from '../runtime/errors.ts';
import { BUILD_PATH_OUTSIDE_REPOSITORY } from '../../apis/names/index.ts';

/** The lexical check of a spec's build paths (pure): a TerminalError for the first problem. */
export function assertBuildPathsRelative(build: { context?: string; dockerfile?: string }): void {
  const [problem] = buildPathProblems(build);
  if (problem !== undefined) throw new TerminalError(BUILD_PATH_OUTSIDE_REPOSITORY, `spec.build.${problem.field}: ${problem.message}`);
}

/**
 * Checks, with realpath, that a build's context is inside `root` (the worktree, or the repository)
 * and its Dockerfile inside the context, and returns the source to build from then on: the
 * resolved context and Dockerfile (the lexical paths may be swapped for a link after this check;
 * the pack opens only what lies exactly under the resolved context, see
 * providers/docker/context-pack.ts). Throws a TerminalError (reason BuildPathOutsideRepository)
 * naming where the path leads. An image, or a build whose paths do not exist (the build reports
 * it), is returned as it is.
 */
export async function assertBuildContained(source: ImageSource, root: string): Promise<ImageSource> {
  if (source.kind !== 'build') return source;
  const { problem, resolved } = await resolveBuildOnDisk(root, source.context, source.dockerfile);
  if (problem !== undefined) throw new TerminalError(BUILD_PATH_OUTSIDE_REPOSITORY, `spec.build.${problem.field}: ${problem.message}`);
  return resolved === undefined ? source : { ...source, ...resolved };
}
