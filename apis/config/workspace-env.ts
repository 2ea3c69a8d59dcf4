/**
 * The environment a workspace gets from its configuration: the env_files (in order) and then env,
 * which overrides them. What `boulder up` puts into a Workspace's spec.env.
 */
import { ValidationError } from '../errors.ts';
import { loadEnvFiles } from './dotenv.ts';
import type { EffectiveConfig } from './effective.ts';

/**
 * Reads the env_files of `config` (relative to its repository root, else `cwd`) and overlays
 * `env`. Throws a ValidationError naming file:line:col of every problem of every env file.
 */
export async function resolveWorkspaceEnv(config: EffectiveConfig, cwd: string = process.cwd()): Promise<Record<string, string>> {
  const base = config.context.repoRoot ?? cwd;
  const fromFiles = await loadEnvFiles(config.values.env_files ?? [], base);
  if (fromFiles.issues.length > 0) throw new ValidationError(fromFiles.issues);
  return { ...fromFiles.values, ...config.values.env };
}
