/**
 * Secrets of the effective configuration: resolving a source to its value (env, file, keychain),
 * warning about sources that do not resolve, and rendering a workspace's secrets into Workspace
 * `spec.secrets` references. Values are wrapped in SecretValue and never printed or logged.
 */
import { chmod, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BoulderError, NotFoundError, type FieldIssue } from '../errors.ts';
import type { SecretReference } from '../types/index.ts';
import type { EffectiveConfig } from './effective.ts';
import { findExecutable, keychainTool, readKeychainSecret } from './keychain.ts';
import { issueAtOrigin } from './origin.ts';
import { parseSecretSource } from './secret-source.ts';
import { SecretValue } from './secret-value.ts';

/** Where secret values are read from (injectable for tests). */
export interface SecretResolveOptions {
  /** Environment of env: sources and PATH of the keychain tool. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Platform picking the keychain tool. Default process.platform. */
  platform?: NodeJS.Platform;
}

/**
 * The value of secret `name` from its canonical `source`. Throws NotFound naming the secret and its
 * source (an unset variable, an unreadable file, a missing keychain item) or Unavailable (no keychain
 * tool); the message never holds a value.
 */
export async function resolveSecretValue(name: string, source: string, options: SecretResolveOptions = {}): Promise<SecretValue> {
  const env = options.env ?? process.env;
  const parsed = parseSecretSource(source);
  if (parsed === undefined) throw new BoulderError('Invalid', `secret ${name}: ${JSON.stringify(source)} is not a secret source`);
  switch (parsed.from) {
    case 'env': {
      const value = env[parsed.name];
      if (value === undefined) throw new NotFoundError(`secret ${name}: environment variable ${parsed.name} is not set`);
      return new SecretValue(value);
    }
    case 'file':
      try {
        return new SecretValue((await readFile(parsed.path, 'utf8')).replace(/\r?\n$/, ''));
      } catch (err) {
        throw new NotFoundError(`secret ${name}: cannot read ${parsed.path} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`, { cause: err });
      }
    case 'keychain':
      try {
        return new SecretValue(await readKeychainSecret(parsed.service, parsed.account, { env, ...(options.platform === undefined ? {} : { platform: options.platform }) }));
      } catch (err) {
        if (err instanceof BoulderError) throw new BoulderError(err.code, `secret ${name}: ${err.message}`, { cause: err });
        throw err;
      }
  }
}

/** Why `source` will not resolve (without reading a keychain: only that its tool is there), or undefined. */
export async function unresolvableReason(source: string, options: SecretResolveOptions = {}): Promise<string | undefined> {
  const env = options.env ?? process.env;
  const parsed = parseSecretSource(source);
  if (parsed === undefined) return `${JSON.stringify(source)} is not a secret source`;
  switch (parsed.from) {
    case 'env':
      return env[parsed.name] === undefined ? `environment variable ${parsed.name} is not set` : undefined;
    case 'file':
      try {
        await readFile(parsed.path);
        return undefined;
      } catch (err) {
        return `file ${parsed.path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`;
      }
    case 'keychain': {
      const platform = options.platform ?? process.platform;
      const tool = keychainTool(platform);
      if (tool === undefined) return `no keychain support on ${platform}`;
      return (await findExecutable(tool.command, env)) === undefined ? `the keychain needs ${tool.command}, which is not on PATH` : undefined;
    }
  }
}

/**
 * Warnings for the secrets of `config` that will not resolve: the workspace's secrets and the
 * Sprites token. Each names the secret and is placed where its source was set.
 */
export async function secretWarnings(config: EffectiveConfig, options: SecretResolveOptions = {}): Promise<FieldIssue[]> {
  const warnings: FieldIssue[] = [];
  for (const entry of config.entries) {
    const isSecret = (entry.path[0] === 'secrets' && entry.path.length === 2) || entry.key === 'backends.sprite.api_key';
    if (!isSecret || typeof entry.value !== 'string') continue;
    const reason = await unresolvableReason(entry.value, options);
    const name = entry.path[0] === 'secrets' ? (entry.path[1] ?? '') : 'backends.sprite.api_key';
    if (reason !== undefined) warnings.push(issueAtOrigin(entry.origin, `secret ${name} does not resolve: ${reason}`));
  }
  return warnings;
}

/**
 * How secrets become Workspace references. `reference` keeps the source (env → fromEnv, file →
 * fromFile), for manifests that are printed or committed: a keychain secret cannot be referenced
 * there and is left out with a warning. `materialize` reads env and keychain values now, in this
 * process, and writes each to a file of mode 0600 in `dir` (mode 0700), referenced with fromFile, so
 * the daemon (whose environment is not the caller's) can read them; file sources stay references.
 */
export type SecretRenderMode = 'reference' | 'materialize';

/** Options of renderWorkspaceSecrets. */
export interface RenderSecretsOptions extends SecretResolveOptions {
  mode: SecretRenderMode;
  /** Directory of materialized values, e.g. `<state dir>/secrets/<namespace>/<workspace>`. Required to materialize. */
  dir?: string;
}

/** A workspace's secrets as Workspace spec.secrets entries, and warnings (names only). */
export interface RenderedSecrets {
  refs: SecretReference[];
  warnings: string[];
}

/**
 * Renders `secrets` (name → canonical source, e.g. `EffectiveConfig.values.secrets`) into
 * Workspace `spec.secrets` references, sorted by name. In materialize mode a source that does not
 * resolve throws (see resolveSecretValue), files of secrets no longer configured are removed from
 * `dir`, and no value is ever returned.
 */
export async function renderWorkspaceSecrets(secrets: Readonly<Record<string, string>>, options: RenderSecretsOptions): Promise<RenderedSecrets> {
  const refs: SecretReference[] = [];
  const warnings: string[] = [];
  const names = Object.keys(secrets).sort();
  if (options.mode === 'materialize') {
    if (options.dir === undefined) throw new BoulderError('Internal', 'renderWorkspaceSecrets: materialize needs a directory');
    await mkdir(options.dir, { recursive: true, mode: 0o700 });
    await chmod(options.dir, 0o700);
    for (const stale of await readdir(options.dir)) if (!names.includes(stale)) await rm(join(options.dir, stale), { force: true });
  }
  for (const name of names) {
    const source = secrets[name] as string;
    const parsed = parseSecretSource(source);
    if (parsed === undefined) throw new BoulderError('Invalid', `secret ${name}: ${JSON.stringify(source)} is not a secret source`);
    if (parsed.from === 'file') {
      refs.push({ name, fromFile: parsed.path });
    } else if (options.mode === 'reference') {
      if (parsed.from === 'env') refs.push({ name, fromEnv: parsed.name });
      else warnings.push(`secret ${name} comes from ${source}, which a manifest cannot reference; it is left out (boulder up without --dry-run materializes it)`);
    } else {
      const value = await resolveSecretValue(name, source, options);
      const file = join(options.dir as string, name);
      // A fresh file (never an older one with looser modes, nor a link), 0600 whatever the umask.
      await rm(file, { force: true });
      await writeFile(file, value.reveal(), { mode: 0o600, flag: 'wx' });
      await chmod(file, 0o600);
      refs.push({ name, fromFile: file });
    }
  }
  return { refs, warnings };
}
