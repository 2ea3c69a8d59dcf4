/**
 * `containerEnv`, `remoteEnv` and `-e` runArgs → `env` and `secrets`. A value that is exactly
 * `${localEnv:NAME}` reads the host's variable: it becomes the secret source `env:NAME` (values
 * from the host never go into the committed configuration). `${containerWorkspaceFolder}` is
 * /workspace. Other variables (`${localEnv:HOME}/x`, `${containerEnv:PATH}`, a default after
 * `${localEnv:NAME:…}`) have no value boulder can write down, so those variables are not mapped.
 */
import type { UnmappedItem } from './types.ts';
import { substituteVariables, wholeLocalEnv } from './variables.ts';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Environment and secrets collected from several properties; a later setting of a name wins. */
export class EnvCollector {
  readonly env: Record<string, string> = {};
  /** Secret name → canonical source (`env:NAME`). */
  readonly secrets: Record<string, string> = {};
  readonly unmapped: UnmappedItem[] = [];

  /** Adds `name=value` written at `key` (e.g. `containerEnv.NODE_ENV`). */
  add(key: string, name: string, value: unknown): void {
    if (!ENV_NAME.test(name)) {
      this.unmapped.push({ key, reason: 'is not a valid environment variable name' });
      return;
    }
    if (value === null) {
      this.unmapped.push({ key, reason: 'unsets the variable for tools; boulder has no way to unset an image variable' });
      return;
    }
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      this.unmapped.push({ key, reason: 'must be a string' });
      return;
    }
    const text = String(value);
    const hostVariable = wholeLocalEnv(text);
    if (hostVariable !== undefined) {
      this.set(name, { secret: `env:${hostVariable}` });
      return;
    }
    const substituted = substituteVariables(text);
    if (substituted.unresolved.length > 0) {
      this.unmapped.push({
        key,
        reason: `uses ${substituted.unresolved.join(', ')}, which has no value boulder can write into the configuration (only a whole \${localEnv:NAME} value maps, to a secret)`,
      });
      return;
    }
    this.set(name, { value: substituted.text });
  }

  /** Adds every entry of an object property (`containerEnv`, `remoteEnv`). */
  addAll(property: string, value: unknown): void {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.unmapped.push({ key: property, reason: 'must be an object of variable names to values' });
      return;
    }
    for (const [name, text] of Object.entries(value as Record<string, unknown>)) this.add(`${property}.${name}`, name, text);
  }

  private set(name: string, entry: { value: string } | { secret: string }): void {
    delete this.env[name];
    delete this.secrets[name];
    if ('value' in entry) this.env[name] = entry.value;
    else this.secrets[name] = entry.secret;
  }
}
