/**
 * One configuration file: parse the YAML with positions, validate it with its level's precompiled
 * validator, and report every problem as `file:line:col: key.path: message`. A key with an empty
 * value (`workspace:` followed only by comments) counts as not set. Reading a file loads only the
 * validator of its level (see config-validator.ts).
 */
import type { FieldIssue } from '../errors.ts';
import { InputTooLargeError, readTextBounded } from '../validation/bounded-read.ts';
import { formatFieldPath, isRecord } from '../validation/field-path.ts';
import type { PathSegment } from '../validation/field-path.ts';
import { parseManifestText, type SourcePosition } from '../validation/parse.ts';
import { configValidator } from './config-validator.ts';
import type { ConfigLevel } from './effective-schema.ts';
import { schemaIssues, type ConfigValidator } from './schema-issues.ts';

/** A valid configuration file. */
export interface ConfigFile {
  level: ConfigLevel;
  /** Absolute path. */
  path: string;
  /** The path as shown in messages. */
  shown: string;
  /** The settings (an empty mapping for a file with only comments). */
  data: Record<string, unknown>;
  /** Where the value at `path` (or its key, with `preferKey`) starts. */
  locate(path: readonly PathSegment[], preferKey?: boolean): SourcePosition | undefined;
}

/** A file that was read: the valid file, or its problems. */
export type ConfigFileResult = { file: ConfigFile; issues: [] } | { file: undefined; issues: FieldIssue[] };

/** Parses the text of a configuration file of `level` and validates it with `validate` (that level's validator). Pure. */
export function parseConfigTextWith(validate: ConfigValidator, text: string, level: ConfigLevel, path: string, shown: string): ConfigFileResult {
  const documents = parseManifestText(text, shown);
  const fail = (issues: FieldIssue[]): ConfigFileResult => ({ file: undefined, issues });
  if (documents.length > 1) {
    const second = documents[1];
    return fail([{ path: '', message: 'must hold one YAML document, not several', file: shown, ...second?.locate([]) }]);
  }
  const doc = documents[0];
  if (doc === undefined) return { file: { level, path, shown, data: {}, locate: () => undefined }, issues: [] };
  const withoutIndex = (issue: FieldIssue): FieldIssue => {
    const { documentIndex: _index, ...rest } = issue;
    return rest;
  };
  if (doc.hasSyntaxError) return fail(doc.issues.map(withoutIndex));
  if (!isRecord(doc.object)) {
    return fail([{ path: '', message: `must be a mapping of settings, not ${Array.isArray(doc.object) ? 'a list' : `a ${typeof doc.object}`}`, file: shown, ...doc.locate([]) }]);
  }
  const reserved = reservedKeyPath(doc.object);
  if (reserved !== undefined) return fail([{ path: formatFieldPath(reserved), message: RESERVED_KEY_MESSAGE, file: shown, ...doc.locate(reserved, true) }]);
  const data = dropNulls(doc.object);
  const issuesInFile = schemaIssues(validate, data).map(
    (issue): FieldIssue => ({ path: formatFieldPath(issue.path), message: issue.message, file: shown, ...doc.locate(issue.anchor, issue.onKey) }),
  );
  const issues = [...doc.issues.map(withoutIndex), ...issuesInFile].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  if (issues.length > 0) return fail(issues);
  return { file: { level, path, shown, data, locate: doc.locate }, issues: [] };
}

/** What a `__proto__` key is told: JavaScript objects cannot hold it as data, so it would be lost silently. */
export const RESERVED_KEY_MESSAGE = '"__proto__" cannot be used as a key (it would be dropped while the configuration is merged)';

/** The path of the first own `__proto__` key in `value`, or undefined. */
export function reservedKeyPath(value: unknown, path: PathSegment[] = []): PathSegment[] | undefined {
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = reservedKeyPath(item, [...path, i]);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (!isRecord(value)) return undefined;
  if (Object.hasOwn(value, '__proto__')) return [...path, '__proto__'];
  for (const [key, item] of Object.entries(value)) {
    const found = reservedKeyPath(item, [...path, key]);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** `data` without mapping entries whose value is empty (`key:` alone means not set, as in a starter file). */
function dropNulls(data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    if (value === null) continue;
    out[key] = isRecord(value) ? dropNulls(value) : value;
  }
  return out;
}

/** Reads, parses and validates a configuration file. A missing or unreadable file is an issue naming it. */
export async function readConfigFile(level: ConfigLevel, path: string, shown: string): Promise<ConfigFileResult> {
  let text: string;
  try {
    text = await readTextBounded(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = err instanceof InputTooLargeError ? err.message : code === 'ENOENT' ? 'no such file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : String(err);
    return { file: undefined, issues: [{ path: '', message: `cannot read the ${level} configuration: ${reason}`, file: shown }] };
  }
  return parseConfigTextWith(await configValidator(level), text, level, path, shown);
}
