/**
 * Containment of a build's paths: the build context is a directory of the repository (relative to
 * its root, never leaving it) and the Dockerfile a file of the context (relative to it, never
 * leaving it), because only the context is sent to the builder and a manifest must not make boulder
 * read files outside the repository it was given. Lexical and pure; the controller checks again
 * with realpath at build time (a symlink in the repository can point anywhere).
 */
import { posix } from 'node:path';

/** One problem of a build path: which field (`context` or `dockerfile`) and what is wrong. */
export interface BuildPathProblem {
  field: 'context' | 'dockerfile';
  message: string;
}

/** Why `path` is not a relative path that stays below its base, or undefined when it is one. */
export function relativePathProblem(path: string, base: string): string | undefined {
  if (path.includes('\0')) return 'must not contain a NUL character';
  if (/[\n\r]/.test(path)) return 'must not contain a line break';
  const slashed = path.replaceAll('\\', '/');
  if (posix.isAbsolute(slashed) || /^[A-Za-z]:\//.test(slashed)) return `must be relative to ${base}, not an absolute path`;
  const normalized = posix.normalize(slashed);
  if (normalized === '..' || normalized.startsWith('../')) return `must stay inside ${base} (it leaves it through "..")`;
  return undefined;
}

/**
 * The problems of a build's `context` (relative to the repository root; default `.`) and
 * `dockerfile` (relative to the context; default `Dockerfile`).
 */
export function buildPathProblems(build: { context?: unknown; dockerfile?: unknown }): BuildPathProblem[] {
  const problems: BuildPathProblem[] = [];
  if (typeof build.context === 'string') {
    const message = relativePathProblem(build.context, 'the repository');
    if (message !== undefined) problems.push({ field: 'context', message });
  }
  if (typeof build.dockerfile === 'string') {
    const message = relativePathProblem(build.dockerfile, 'the build context');
    if (message !== undefined) problems.push({ field: 'dockerfile', message });
    else if (posix.normalize(build.dockerfile.replaceAll('\\', '/')) === '.') problems.push({ field: 'dockerfile', message: 'must name a file of the build context' });
  }
  return problems;
}
