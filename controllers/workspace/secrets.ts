/**
 * Resolves `spec.secrets` references to values in the controller's process: `fromEnv` reads an
 * environment variable, `fromFile` a file (one trailing newline dropped). Values live only in
 * memory and in the container's environment; they are never written to status or logs.
 * `secretRef` (a Kubernetes Secret) is only available on the kubernetes backend.
 */
import { readFile } from 'node:fs/promises';
import type { SecretReference } from '../../apis/types/index.ts';
import { TerminalError } from '../runtime/errors.ts';

/** Where secrets are read from (injectable for tests). */
export interface SecretSources {
  env: NodeJS.ProcessEnv;
  readFile: (path: string) => Promise<string>;
}

/** The process environment and file system. */
export const processSecretSources: SecretSources = {
  env: process.env,
  readFile: (path) => readFile(path, 'utf8'),
};

/**
 * Values by variable name. A missing source throws TerminalError (reason SecretNotFound) naming
 * the reference — never the value. The resync retries it, so a secret provided later is picked up.
 */
export async function resolveSecrets(
  refs: readonly SecretReference[] | undefined,
  sources: SecretSources = processSecretSources,
): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  for (const ref of refs ?? []) values[ref.name] = await resolveOne(ref, sources);
  return values;
}

async function resolveOne(ref: SecretReference, sources: SecretSources): Promise<string> {
  if (ref.fromEnv !== undefined) {
    const value = sources.env[ref.fromEnv];
    if (value === undefined) {
      throw new TerminalError('SecretNotFound', `secret ${ref.name}: environment variable ${ref.fromEnv} is not set in the boulder daemon's environment`);
    }
    return value;
  }
  if (ref.fromFile !== undefined) {
    try {
      return (await sources.readFile(ref.fromFile)).replace(/\r?\n$/, '');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new TerminalError('SecretNotFound', `secret ${ref.name}: cannot read ${ref.fromFile} (${code})`);
    }
  }
  if (ref.secretRef !== undefined) {
    throw new TerminalError('SecretNotFound', `secret ${ref.name}: secretRef needs the kubernetes backend`);
  }
  throw new TerminalError('InvalidSpec', `secret ${ref.name}: name exactly one of fromEnv, fromFile or secretRef`);
}
