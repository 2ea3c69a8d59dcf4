/**
 * Command-line flags as a configuration layer (above the project file, below NEXUS_* variables):
 * the flags `boulder config` and `boulder up` share, and `--set KEY=VALUE` for any other key.
 */
import { parse } from 'yaml';
import type { FieldIssue } from '../errors.ts';
import { convertSetting, mergeInto, settingIssues, treeWith } from './env-layer.ts';
import type { ValueKind } from './env-mappings.ts';
import { CONFIG_FLAG_MAPPINGS, SET_OPTION } from './flag-mappings.ts';
import { normalizeEffectiveValues } from './file-layers.ts';
import { formatKey, parseKey } from './key-path.ts';
import type { ConfigLayer } from './types.ts';

/** One flag given on the command line. */
export interface FlagSetting {
  /** How the flag is named in messages and provenance: `--backend`, `--set workspace.name`. */
  flag: string;
  key: string;
  /** The value as typed. */
  text: string;
  /** How the text becomes a value; `yaml` parses it as a YAML value (numbers, lists). */
  kind: ValueKind | 'yaml';
  /** Set above the NEXUS_* variables (a global flag such as `--state-dir`, see FlagMapping.outranksEnv). */
  outranksEnv?: boolean;
}

/**
 * The settings in parsed option values: every flag of CONFIG_FLAG_MAPPINGS that was given, then each
 * `--set KEY=VALUE` in order. A `--set` without `=` becomes a setting whose key is malformed, which
 * flagLayer reports.
 */
export function flagSettings(values: Readonly<Record<string, unknown>>): FlagSetting[] {
  const settings: FlagSetting[] = [];
  const last = (value: unknown): string | undefined => (Array.isArray(value) ? (value.at(-1) as string | undefined) : typeof value === 'string' ? value : undefined);
  for (const mapping of CONFIG_FLAG_MAPPINGS) {
    const text = last(values[mapping.option]);
    if (text !== undefined) settings.push({ flag: `--${mapping.option}`, key: mapping.key, text, kind: mapping.kind, ...(mapping.outranksEnv === true ? { outranksEnv: true } : {}) });
  }
  const sets = values[SET_OPTION];
  for (const item of Array.isArray(sets) ? sets : typeof sets === 'string' ? [sets] : []) {
    const text = String(item);
    const eq = text.indexOf('=');
    const key = eq < 0 ? text : text.slice(0, eq);
    settings.push({ flag: `--set ${key}`, key: eq < 0 ? '' : key, text: eq < 0 ? '' : text.slice(eq + 1), kind: 'yaml' });
  }
  return settings;
}

/** The flag layer and the problems of its values. Relative paths resolve against `cwd`, `~/` against `home`. */
export function flagLayer(settings: readonly FlagSetting[], cwd: string, home: string): { layer: ConfigLayer; issues: FieldIssue[] } {
  const values: Record<string, unknown> = {};
  const issues: FieldIssue[] = [];
  const flagByKey = new Map<string, string>();
  for (const setting of settings) {
    const path = parseKey(setting.key);
    if (path === undefined) {
      issues.push({ path: setting.flag, message: 'must be KEY=VALUE, e.g. --set workspace.idle_timeout=4h' });
      continue;
    }
    const key = formatKey(path);
    const converted = setting.kind === 'yaml' ? { value: parseYamlValue(setting.text) } : convertSetting(setting.text, setting.kind, setting.flag, cwd);
    if ('error' in converted) {
      issues.push({ path: setting.flag, message: converted.error });
      continue;
    }
    const found = settingIssues(setting.flag, key, converted.value);
    if (found.length > 0) {
      issues.push(...found);
      continue;
    }
    mergeInto(values, treeWith(key, converted.value));
    flagByKey.set(key, setting.flag);
  }
  const locate = (path: readonly (string | number)[]): { source: string } => {
    for (let depth = path.length; depth > 0; depth--) {
      const flag = flagByKey.get(formatKey(path.slice(0, depth)));
      if (flag !== undefined) return { source: flag };
    }
    return { source: 'command line' };
  };
  normalizeEffectiveValues(values, cwd, home);
  return { layer: { layer: 'flag', source: 'command line', values, locate }, issues };
}

/** `4h` → '4h', `3000` → 3000, `[a, b]` → ['a', 'b']; text that is not YAML stays text. */
function parseYamlValue(text: string): unknown {
  try {
    const value = parse(text) as unknown;
    return value === null ? text : value;
  } catch {
    return text;
  }
}
