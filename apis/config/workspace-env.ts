/**
 * The environment a workspace gets from its configuration: the env_files (in order) and then env,
 * which overrides them. What `boulder up` puts into a Workspace's spec.env.
 *
 * env_files named by the project file (committed in the repository, so not trusted beyond it) must
 * be files of the repository: relative, without `..` leaving it, and not a symbolic link out of it
 * (checked with realpath, and again on the descriptor each is read from). Otherwise a repository
 * could copy any file the user can read (`/etc/…`, `~/.aws/credentials`) into its workspace's
 * environment. The user's own layers (user file, project_overrides, flags, variables) may name any
 * file.
 */
import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ValidationError, type FieldIssue } from '../errors.ts';
import { isInside } from '../validation/build-on-disk.ts';
import { relativePathProblem } from '../validation/build-paths.ts';
import { readTextInside } from '../validation/opened-path.ts';
import { loadEnvFiles } from './dotenv.ts';
import type { EffectiveConfig } from './effective.ts';
import { issueAtOrigin } from './origin.ts';

/**
 * Reads the env_files of `config` (relative to its repository root, else `cwd`) and overlays
 * `env`. Throws a ValidationError naming file:line:col of every problem of every env file, and of
 * every env file the project names outside the repository (nothing of those is read).
 */
export async function resolveWorkspaceEnv(config: EffectiveConfig, cwd: string = process.cwd()): Promise<Record<string, string>> {
  const base = config.context.repoRoot ?? cwd;
  const files = config.values.env_files ?? [];
  const escapes = await projectEnvFileEscapes(config, files);
  if (escapes.length > 0) throw new ValidationError(escapes);
  const fromFiles = await loadEnvFiles(files, base, undefined, await projectEnvFileReader(config));
  if (fromFiles.issues.length > 0) throw new ValidationError(fromFiles.issues);
  return { ...fromFiles.values, ...config.values.env };
}

/**
 * How env files are read: a project's are checked again on the descriptor they are read from (the
 * realpath check above names the problem; between it and the read a directory may have become a
 * link out), so what is read is inside the repository whatever happened meanwhile.
 */
async function projectEnvFileReader(config: EffectiveConfig): Promise<((path: string) => Promise<string>) | undefined> {
  const repoRoot = config.context.repoRoot;
  if (config.entry('env_files')?.origin.layer !== 'project' || repoRoot === undefined) return undefined;
  const realRoot = await realpath(repoRoot).catch(() => repoRoot);
  return (path) => readTextInside(path, realRoot);
}

/** The env_files of the project layer that are not files of the repository, as issues at the project file. */
async function projectEnvFileEscapes(config: EffectiveConfig, files: readonly string[]): Promise<FieldIssue[]> {
  const entry = config.entry('env_files');
  const repoRoot = config.context.repoRoot;
  if (entry === undefined || entry.origin.layer !== 'project' || repoRoot === undefined) return [];
  const realRoot = await realpath(repoRoot).catch(() => repoRoot);
  const issues: FieldIssue[] = [];
  for (const [index, file] of files.entries()) {
    const lexical = relativePathProblem(file, 'the repository');
    if (lexical !== undefined) {
      issues.push(issueAtOrigin(entry.origin, `env_files[${index}] ${JSON.stringify(file)}: ${lexical}; a project may only name env files of its repository`));
      continue;
    }
    const real = await realpath(resolve(repoRoot, file)).catch(() => undefined);
    if (real !== undefined && !isInside(realRoot, real)) {
      issues.push(issueAtOrigin(entry.origin, `env_files[${index}] ${JSON.stringify(file)}: resolves to ${real}, outside the repository (through a symbolic link); a project may only name env files of its repository`));
    }
  }
  return issues;
}
