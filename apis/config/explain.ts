/**
 * `boulder config explain KEY`: which layer set a key, what it overrode, how to override it, and
 * what the key means. Keys may be given as effective keys (`workspace.idle_timeout`), as a file
 * spells them (`defaults.idle_timeout`), as a unique suffix (`idle_timeout`), or as the NEXUS_*
 * variable or flag that sets them.
 */
import { NotFoundError } from '../errors.ts';
import { effectiveSchema, schemaAt, schemaKeys } from './effective-schema.ts';
import { ENV_MAPPINGS } from './env-mappings.ts';
import { FILE_KEY_MAPPINGS } from './file-layers.ts';
import { CONFIG_FLAG_MAPPINGS } from './flag-mappings.ts';
import { formatKey, isPathPrefix, parseKey } from './key-path.ts';
import { describeOrigin } from './origin.ts';
import type { EffectiveEntry, ValueOrigin } from './types.ts';

/** What explaining needs of an EffectiveConfig (effective.ts, which calls in here): its entries. */
export interface ExplainableConfig {
  readonly entries: readonly EffectiveEntry[];
}

/** The answer of explain. */
export interface Explanation {
  /** The effective key explained. */
  key: string;
  /** The schema's description of the key, when it has one. */
  description?: string;
  /** The effective values at or below the key (empty when nothing sets it). */
  entries: EffectiveEntry[];
  /** The variable and flag that override the key, when there are any. */
  overrideWith: { variable?: string; flag?: string };
}

/** Effective keys of the file-level spellings (`defaults.idle_timeout` → `workspace.idle_timeout`). */
function fileAliases(): Map<string, string[]> {
  const aliases = new Map<string, string[]>();
  for (const mapping of [...FILE_KEY_MAPPINGS.node, ...FILE_KEY_MAPPINGS.user]) {
    const from = formatKey(mapping.file);
    if (from !== formatKey(mapping.effective)) aliases.set(from, [...mapping.effective]);
  }
  return aliases;
}

/** Resolves what the user typed to an effective key path; throws NotFound with suggestions. */
export function resolveKey(config: ExplainableConfig, text: string): string[] {
  const bySetting = ENV_MAPPINGS.find((m) => m.variable === text) ?? CONFIG_FLAG_MAPPINGS.find((m) => `--${m.option}` === text);
  if (bySetting !== undefined) return parseKey(bySetting.key) ?? [];
  const path = parseKey(text);
  if (path === undefined) throw new NotFoundError(`${JSON.stringify(text)} is not a configuration key`);
  const schema = effectiveSchema();
  const known = (candidate: readonly string[]): boolean =>
    config.entries.some((e) => isPathPrefix(candidate, e.path)) || schemaAt(schema, candidate) !== undefined;
  if (known(path)) return path;
  for (const [alias, target] of fileAliases()) {
    const aliasPath = parseKey(alias) ?? [];
    if (isPathPrefix(aliasPath, path)) return [...target, ...path.slice(aliasPath.length)];
  }
  const candidates = new Set<string>();
  for (const keyPath of [...schemaKeys(schema), ...config.entries.map((e) => [...e.path])]) {
    for (let start = 1; start < keyPath.length; start++) {
      const tail = keyPath.slice(start);
      if (tail.length === path.length && tail.every((s, i) => s === path[i])) candidates.add(formatKey(keyPath));
    }
  }
  if (candidates.size === 1) return parseKey([...candidates][0] as string) ?? path;
  if (candidates.size > 1) {
    throw new NotFoundError(`configuration key ${JSON.stringify(text)} is ambiguous; use one of: ${[...candidates].sort().join(', ')}`);
  }
  throw new NotFoundError(`unknown configuration key ${JSON.stringify(text)}; see boulder config view for the keys that are set`);
}

/** Explains `text` (see the module comment for the spellings accepted). */
export function explainKey(config: ExplainableConfig, text: string): Explanation {
  const path = resolveKey(config, text);
  const key = formatKey(path);
  const description = schemaAt(effectiveSchema(), path)?.description;
  const variable = ENV_MAPPINGS.find((m) => m.key === key)?.variable;
  const flag = CONFIG_FLAG_MAPPINGS.find((m) => m.key === key)?.option;
  return {
    key,
    ...(description === undefined ? {} : { description }),
    entries: config.entries.filter((e) => isPathPrefix(path, e.path)),
    overrideWith: { ...(variable === undefined ? {} : { variable }), ...(flag === undefined ? {} : { flag: `--${flag}` }) },
  };
}

/** A value on one line: text as is, anything else as JSON. */
export function showValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** `user ~/.nexus/config.yaml:3:5 (defaults.idle_timeout)`. */
export function describeOriginWithKey(origin: ValueOrigin): string {
  const key = origin.sourceKey === undefined ? '' : ` (${origin.sourceKey})`;
  return `${describeOrigin(origin)}${key}`;
}

/** `node 30m < user 1h < project 2h < flag 4h < env 5h → 5h`. */
export function formatChain(entry: EffectiveEntry): string {
  const steps = [...entry.overridden, entry.origin].map((o) => `${o.layer} ${showValue(o.value)}`);
  return `${steps.join(' < ')} → ${showValue(entry.value)}`;
}

/** The explanation as the lines `boulder config explain` prints. */
export function formatExplanation(explanation: Explanation): string[] {
  const lines: string[] = [];
  const label = (name: string, text: string): string => `${name.padEnd(10)}${text}`;
  const howToOverride = [explanation.overrideWith.flag, explanation.overrideWith.variable].filter((x) => x !== undefined).join(', ');
  if (explanation.entries.length === 0) {
    lines.push(label('KEY', explanation.key), label('VALUE', '(not set)'));
  }
  explanation.entries.forEach((entry, i) => {
    if (i > 0) lines.push('');
    lines.push(label('KEY', entry.key), label('VALUE', showValue(entry.value)), label('SET BY', describeOriginWithKey(entry.origin)));
    if (entry.origin.note !== undefined) lines.push(label('', entry.origin.note));
    const overridden = [...entry.overridden].reverse();
    overridden.forEach((origin, j) => {
      const replaced = origin.key === entry.key ? '' : `${origin.key} `;
      lines.push(label(j === 0 ? 'OVERRODE' : '', `${describeOriginWithKey(origin)}: ${replaced}${showValue(origin.value)}`));
    });
    lines.push(label('CHAIN', formatChain(entry)));
  });
  if (howToOverride !== '') lines.push(label('OVERRIDE', howToOverride));
  if (explanation.description !== undefined) lines.push(label('ABOUT', explanation.description));
  return lines;
}
