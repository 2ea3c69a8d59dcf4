/**
 * Merging configuration layers, low → high, keeping the provenance of every value: maps merge by
 * key, scalars and lists replace, a few objects (port_range) replace as a whole, and
 * workspace.image and workspace.build replace each other. Pure.
 */
import { isRecord } from '../validation/field-path.ts';
import { EffectiveConfig } from './effective.ts';
import { formatKey, isPathPrefix } from './key-path.ts';
import { describeOrigin } from './origin.ts';
import { REQUESTED_SECRET, type ConfigLayer, type EffectiveEntry, type ValueOrigin } from './types.ts';

/** Objects that are one value: a higher layer replaces them whole instead of key by key. */
const ATOMIC_KEYS = new Set(['port_range']);

/** Keys of which a layer sets at most one: setting one drops the others set by lower layers. */
const EXCLUSIVE_GROUPS: readonly (readonly (readonly string[])[])[] = [
  [
    ['workspace', 'image'],
    ['workspace', 'build'],
  ],
];

/** The leaves of a layer's values: scalars, lists and atomic objects, with their paths. Empty maps contribute nothing. */
export function flattenValues(values: Record<string, unknown>, prefix: string[] = []): { path: string[]; value: unknown }[] {
  const leaves: { path: string[]; value: unknown }[] = [];
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    const path = [...prefix, key];
    if (isRecord(value) && !ATOMIC_KEYS.has(formatKey(path))) leaves.push(...flattenValues(value, path));
    else leaves.push({ path, value });
  }
  return leaves;
}

interface MutableEntry {
  path: string[];
  value: unknown;
  origin: ValueOrigin;
  overridden: ValueOrigin[];
}

function originOf(layer: ConfigLayer, path: string[], value: unknown): ValueOrigin {
  return { layer: layer.layer, source: layer.source, ...layer.locate?.(path), key: formatKey(path), value };
}

/** Removes (and returns the origins of) the entries that a value at `path` displaces. */
function displaced(entries: Map<string, MutableEntry>, path: string[]): ValueOrigin[] {
  const removed: ValueOrigin[] = [];
  const group = EXCLUSIVE_GROUPS.find((members) => members.some((member) => isPathPrefix(member, path)));
  const rivals = group?.filter((member) => !isPathPrefix(member, path)) ?? [];
  for (const [key, entry] of entries) {
    const structural = key !== formatKey(path) && (isPathPrefix(entry.path, path) || isPathPrefix(path, entry.path));
    const rival = rivals.some((member) => isPathPrefix(member, entry.path));
    if (structural || rival) {
      removed.push(...entry.overridden, entry.origin);
      entries.delete(key);
    }
  }
  return removed;
}

/** Gives each secret the project only named (list form) its source: a lower layer's, the user's, else env:NAME. */
function resolveRequestedSecrets(entries: Map<string, MutableEntry>): void {
  for (const entry of entries.values()) {
    if (entry.path[0] !== 'secrets' || entry.value !== REQUESTED_SECRET) continue;
    const name = entry.path[1] ?? '';
    const request = entry.origin;
    const requestedAt = describeOrigin(request);
    const defined = entries.get(formatKey(['user_secrets', name]));
    if (defined !== undefined) {
      entry.value = defined.value;
      entry.origin = { ...defined.origin, key: entry.origin.key, value: defined.value, note: `requested by ${requestedAt}` };
    } else {
      entry.value = `env:${name}`;
      entry.origin = { ...request, value: entry.value, note: `named without a source and not in the user's secrets: the environment variable ${name}` };
    }
  }
}

/**
 * Merges `layers` (lowest first) into one effective configuration. Every leaf remembers which layer
 * set it and the chain of values it overrode. A secret named without a source (project `secrets`
 * list) takes a lower layer's source for that name, else the user's `secrets` entry, else `env:NAME`.
 */
export function mergeLayers(layers: readonly ConfigLayer[]): EffectiveConfig {
  const entries = new Map<string, MutableEntry>();
  for (const layer of layers) {
    for (const { path, value } of flattenValues(layer.values)) {
      const key = formatKey(path);
      const existing = entries.get(key);
      if (value === REQUESTED_SECRET && existing !== undefined) continue;
      const origin = originOf(layer, path, value);
      const removed = displaced(entries, path);
      const overridden = existing === undefined ? removed : [...existing.overridden, existing.origin, ...removed];
      entries.set(key, { path, value, origin, overridden });
    }
  }
  resolveRequestedSecrets(entries);
  const list: EffectiveEntry[] = [...entries.values()].map((e) => ({ key: formatKey(e.path), path: e.path, value: e.value, origin: e.origin, overridden: e.overridden }));
  return new EffectiveConfig(list);
}
