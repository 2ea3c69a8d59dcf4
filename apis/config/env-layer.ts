/**
 * The NEXUS_* environment variables, the highest layer: which variable sets which key, and the
 * layer they make. An unknown NEXUS_* variable is a warning naming it, never an error.
 */
import { resolve } from 'node:path';
import type { FieldIssue } from '../errors.ts';
import { RESERVED_KEY_MESSAGE } from './config-file.ts';
import { formatKey, parseKey } from './key-path.ts';
import { parsePortRange } from './port-plan.ts';
import { effectiveIssues } from './effective-issues.ts';
import { ENV_MAPPINGS, OTHER_KNOWN_VARIABLES, type ValueKind } from './env-mappings.ts';
import type { ConfigLayer } from './types.ts';

/** Keys only the node (limits, multi_user, network) or the user file (workspaces, user_secrets) may set. */
export const FILE_ONLY_KEYS: Record<string, string> = {
  limits: 'the node configuration',
  multi_user: 'the node configuration',
  network: 'the node configuration',
  workspaces: 'the user configuration',
  user_secrets: 'the user configuration (secrets)',
};

/** Converts the text of a flag or variable into the value of `kind`; an error message when it cannot. */
export function convertSetting(text: string, kind: ValueKind, name: string, cwd: string): { value: unknown } | { error: string } {
  switch (kind) {
    case 'port-range': {
      const range = parsePortRange(text);
      return range === undefined ? { error: `${JSON.stringify(text)} is not a port range: must be START-END, e.g. 33000-33999` } : { value: range };
    }
    case 'path':
      return text === '' ? { error: 'must not be empty' } : { value: resolve(cwd, text) };
    case 'self-secret':
      return { value: `env:${name}` };
    case 'text':
      return { value: text };
  }
}

/** Sets `value` at the dotted `key` of a fresh tree. */
export function treeWith(key: string, value: unknown): Record<string, unknown> {
  const path = parseKey(key) ?? [key];
  const tree: Record<string, unknown> = {};
  let node = tree;
  // defineProperty: a segment such as `__proto__` becomes an own (unknown, so rejected) key instead of a prototype.
  const set = (target: Record<string, unknown>, segment: string, v: unknown): void => void Object.defineProperty(target, segment, { value: v, enumerable: true, writable: true, configurable: true });
  path.forEach((segment, i) => {
    if (i === path.length - 1) set(node, segment, value);
    else {
      const child: Record<string, unknown> = {};
      set(node, segment, child);
      node = child;
    }
  });
  return tree;
}

/**
 * Validates one setting (`key` = `value`) of a flag or variable named `name` against the effective
 * schema; the problems are issues on `name`.
 */
export function settingIssues(name: string, key: string, value: unknown): FieldIssue[] {
  const top = (parseKey(key) ?? [key])[0] ?? key;
  if ((parseKey(key) ?? [key]).includes('__proto__')) return [{ path: name, message: RESERVED_KEY_MESSAGE }];
  const fileOnly = Object.hasOwn(FILE_ONLY_KEYS, top) ? FILE_ONLY_KEYS[top] : undefined;
  if (fileOnly !== undefined) return [{ path: name, message: `${key} can only be set in ${fileOnly}` }];
  return effectiveIssues(treeWith(key, value)).map((issue) => ({
    path: name,
    message: formatKey(issue.path) === key || issue.path.length === 0 ? issue.message : `${formatKey(issue.path)}: ${issue.message}`,
  }));
}

/** The environment layer, problems with its values, and the NEXUS_* variables boulder does not know. */
export interface EnvLayerResult {
  layer: ConfigLayer;
  issues: FieldIssue[];
  /** Unknown NEXUS_* variable names, sorted. */
  unknown: string[];
}

/** Builds the NEXUS_* layer from `env`; relative paths are resolved against `cwd`. Empty variables are ignored. */
export function envLayer(env: NodeJS.ProcessEnv, cwd: string): EnvLayerResult {
  const values: Record<string, unknown> = {};
  const issues: FieldIssue[] = [];
  const variableByKey = new Map<string, string>();
  for (const mapping of ENV_MAPPINGS) {
    const text = env[mapping.variable];
    if (text === undefined || text === '') continue;
    const converted = convertSetting(text, mapping.kind, mapping.variable, cwd);
    if ('error' in converted) {
      issues.push({ path: mapping.variable, message: converted.error });
      continue;
    }
    const found = settingIssues(mapping.variable, mapping.key, converted.value);
    if (found.length > 0) {
      issues.push(...found);
      continue;
    }
    mergeInto(values, treeWith(mapping.key, converted.value));
    variableByKey.set(mapping.key, mapping.variable);
  }
  const known = new Set([...ENV_MAPPINGS.map((m) => m.variable), ...OTHER_KNOWN_VARIABLES]);
  const unknown = Object.keys(env)
    .filter((name) => name.startsWith('NEXUS_') && !known.has(name))
    .sort();
  return {
    layer: {
      layer: 'env',
      source: 'environment',
      values,
      locate: (path) => ({ source: variableByKey.get(formatKey(path.slice(0, keyDepth(path, variableByKey)))) ?? 'environment' }),
    },
    issues,
    unknown,
  };
}

/** How many segments of `path` form the key a setting set (port_range is one value with two fields). */
export function keyDepth(path: readonly (string | number)[], byKey: ReadonlyMap<string, string>): number {
  for (let depth = path.length; depth > 0; depth--) if (byKey.has(formatKey(path.slice(0, depth)))) return depth;
  return path.length;
}

/** Deep-merges `extra` into `target` (maps by key). */
export function mergeInto(target: Record<string, unknown>, extra: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(extra)) {
    const current = target[key];
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && typeof current === 'object' && current !== null && !Array.isArray(current)) {
      mergeInto(current as Record<string, unknown>, value as Record<string, unknown>);
    } else {
      target[key] = value;
    }
  }
}
