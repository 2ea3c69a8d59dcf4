/**
 * The inputs of rendering that need I/O, resolved at the edge: the workspace's environment
 * (env_files, then env) and its secrets as Workspace references — kept as references for printed
 * manifests, or materialized into 0600 files under the state dir for a workspace that is applied.
 */
import { join } from 'node:path';
import type { EffectiveConfig } from '../config/effective.ts';
import { renderWorkspaceSecrets, type SecretRenderMode } from '../config/secrets.ts';
import { resolveWorkspaceEnv } from '../config/workspace-env.ts';
import type { SecretReference } from '../types/index.ts';

/** Directory of the materialized secret values of one workspace: `<stateDir>/secrets/<namespace>/<name>`. */
export function secretsDirOf(stateDir: string, namespace: string, name: string): string {
  return join(stateDir, 'secrets', namespace, name);
}

/** Options of resolveRenderInputs. */
export interface RenderInputOptions {
  /** `reference` for printed manifests (--dry-run); `materialize` for a workspace that is applied. */
  mode: SecretRenderMode;
  /** Directory materialized values are written to (see secretsDirOf); required to materialize. */
  secretsDir?: string;
  /** Environment of env: secrets and of the keychain tool. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Where relative env_files resolve when the configuration has no repository. Default process.cwd(). */
  cwd?: string;
}

/** What renderResources takes besides the configuration. */
export interface RenderInputs {
  env: Record<string, string>;
  secrets: SecretReference[];
  /** Secrets left out (a keychain secret in a printed manifest), by name; never values. */
  warnings: string[];
}

/**
 * Reads the env_files and renders the secrets of `config`. Throws a ValidationError for a broken
 * env file, NotFound/Unavailable for a secret that cannot be materialized.
 */
export async function resolveRenderInputs(config: EffectiveConfig, options: RenderInputOptions): Promise<RenderInputs> {
  const env = await resolveWorkspaceEnv(config, options.cwd);
  const { refs, warnings } = await renderWorkspaceSecrets(config.values.secrets ?? {}, {
    mode: options.mode,
    ...(options.secretsDir === undefined ? {} : { dir: options.secretsDir }),
    ...(options.env === undefined ? {} : { env: options.env }),
  });
  return { env, secrets: refs, warnings };
}
