/**
 * Resolves `spec.secrets` references to values in the controller's process: `fromEnv` reads an
 * environment variable, `fromFile` a file (one trailing newline dropped). Values live only in
 * memory and in the container's environment; they are never written to status or logs.
 * `secretRef` (a Kubernetes Secret) is only available on the kubernetes backend, and there it is
 * never read here: the Pod references the Secret by name (`secretRefsOf`), so the kubelet resolves
 * it in the Pod's own namespace and boulder needs no right to read Secrets.
 * Which sources a workspace may use at all is decided before, by controllers/trust/policy.ts.
 * On a multi-user node (`ownerSecretSources`) a `fromFile` is read as the workspace's owner — a
 * child process with the user's uid — never with the daemon's rights, and `fromEnv` is refused:
 * the daemon's environment is not the user's.
 */
import { readFile } from 'node:fs/promises';
import type { SecretReference } from '../../apis/types/index.ts';
import type { SecretKeyRef } from '../providers/types.ts';
import { TerminalError } from '../runtime/errors.ts';
import { INVALID_SPEC, SECRET_NOT_FOUND, SECRET_SOURCE_NOT_ALLOWED } from '../../apis/names/index.ts';
import { readFileAs } from '../multi-user/files-as.ts';
import type { UnixOwner } from '../multi-user/owner.ts';

/** Where secrets are read from (injectable for tests). */
export interface SecretSources {
  env: NodeJS.ProcessEnv;
  readFile: (path: string) => Promise<string>;
  /** When set, `fromEnv` is refused (SecretSourceNotAllowed) with this explanation. */
  envRefused?: string;
}

/** The process environment and file system. */
export const processSecretSources: SecretSources = {
  env: process.env,
  readFile: (path) => readFile(path, 'utf8'),
};

/**
 * The sources of `owner`'s workspaces on a multi-user node (see the module comment); `base`
 * (the process's own, or a test's) when there is no owner.
 */
export function ownerSecretSources(owner: UnixOwner | undefined, base: SecretSources = processSecretSources): SecretSources {
  if (owner === undefined) return base;
  return {
    env: {},
    readFile: (path) => readFileAs(owner, path),
    envRefused: `the daemon's environment is not ${owner.user}'s on a multi-user node; use fromFile (read as ${owner.user})`,
  };
}

/**
 * Values by variable name. A missing source throws TerminalError (reason SecretNotFound) naming
 * the reference — never the value. The resync retries it, so a secret provided later is picked up.
 */
export async function resolveSecrets(
  refs: readonly SecretReference[] | undefined,
  sources: SecretSources = processSecretSources,
  options: { secretRefsByReference?: boolean } = {},
): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  for (const ref of refs ?? []) {
    if (ref.secretRef !== undefined && options.secretRefsByReference === true) continue;
    values[ref.name] = await resolveOne(ref, sources);
  }
  return values;
}

/** The `secretRef` entries of `refs` as references the runtime resolves itself (pure). */
export function secretRefsOf(refs: readonly SecretReference[] | undefined): SecretKeyRef[] {
  return (refs ?? []).flatMap((ref) => (ref.secretRef === undefined ? [] : [{ env: ref.name, secret: ref.secretRef.name, key: ref.secretRef.key }]));
}

async function resolveOne(ref: SecretReference, sources: SecretSources): Promise<string> {
  if (ref.fromEnv !== undefined) {
    if (sources.envRefused !== undefined) throw new TerminalError(SECRET_SOURCE_NOT_ALLOWED, `secret ${ref.name}: fromEnv ${ref.fromEnv} is refused: ${sources.envRefused}`);
    const value = sources.env[ref.fromEnv];
    if (value === undefined) {
      throw new TerminalError(SECRET_NOT_FOUND, `secret ${ref.name}: environment variable ${ref.fromEnv} is not set in the boulder daemon's environment`);
    }
    return value;
  }
  if (ref.fromFile !== undefined) {
    try {
      return (await sources.readFile(ref.fromFile)).replace(/\r?\n$/, '');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new TerminalError(SECRET_NOT_FOUND, `secret ${ref.name}: cannot read ${ref.fromFile} (${code})`);
    }
  }
  if (ref.secretRef !== undefined) {
    throw new TerminalError(SECRET_NOT_FOUND, `secret ${ref.name}: secretRef needs the kubernetes backend`);
  }
  throw new TerminalError(INVALID_SPEC, `secret ${ref.name}: name exactly one of fromEnv, fromFile or secretRef`);
}
