/**
 * Turns ajv's errors into one user-facing issue per real problem: dotted field paths, plain-English
 * messages (`must be an integer`, `unknown field "foo"`), and where in the source to point.
 */
import type { ErrorObject } from 'ajv';
import { isRecord, pointerToSegments } from './field-path.ts';
import type { PathSegment } from './field-path.ts';
import { describePatternMismatch, isKnownPattern } from './patterns.ts';

/** One problem found by a schema, before it is placed in a file. */
export interface SchemaIssue {
  /** The field the problem is about. */
  path: PathSegment[];
  /** What is wrong, e.g. `must be an integer`. */
  message: string;
  /** The node to point at in the source (the parent mapping for a missing field). */
  anchor: PathSegment[];
  /** Point at the key of `anchor` rather than its value (unknown fields, bad keys). */
  onKey: boolean;
}

/** An ajv error as produced with `verbose: true`, plus the key name for `propertyNames` failures. */
type VerboseError = ErrorObject & { propertyName?: string };

/**
 * Translates the errors of one failed validation of `data`, collapsing ajv's duplicates
 * (`propertyNames` wrappers, several failures of one string rule, the branches of `oneOf`/`anyOf`).
 */
export function translateAjvErrors(errors: readonly ErrorObject[], data: unknown): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const seen = new Set<string>();
  for (const error of collapseComposites(errors as readonly VerboseError[])) {
    const issue = translate(error, data);
    if (issue === undefined) continue;
    const key = `${JSON.stringify(issue.path)}\u0000${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  return issues;
}

function translate(error: VerboseError, data: unknown): SchemaIssue | undefined {
  const base = pointerToSegments(error.instancePath, data);
  const params = error.params as Record<string, unknown>;
  const parentSchema = isRecord(error.parentSchema) ? error.parentSchema : {};
  const at = (path: PathSegment[], message: string, onKey = false): SchemaIssue => ({ path, message, anchor: path, onKey });

  if (error.propertyName !== undefined) {
    const path = [...base, error.propertyName];
    return at(path, stringRuleMessage(error, error.propertyName, parentSchema, true), true);
  }
  switch (error.keyword) {
    case 'propertyNames':
      // The wrapper of an inner error that was reported already (with `propertyName`).
      return undefined;
    case 'if':
      // "must match then schema": the errors of `then` say what is wrong.
      return undefined;
    case 'required':
      return { path: [...base, String(params.missingProperty)], message: 'is required', anchor: base, onKey: false };
    case 'dependencies':
    case 'dependentRequired':
      return {
        path: [...base, String(params.missingProperty)],
        message: `is required when ${String(params.property)} is set`,
        anchor: base,
        onKey: false,
      };
    case 'additionalProperties':
    case 'unevaluatedProperties': {
      const field = String(params.additionalProperty ?? params.unevaluatedProperty);
      return at([...base, field], `unknown field ${JSON.stringify(field)}`, true);
    }
    case 'not':
      return notMessage(base, parentSchema, error.data);
    default:
      return at(base, valueMessage(error, params, parentSchema));
  }
}

function valueMessage(error: VerboseError, params: Record<string, unknown>, parentSchema: Record<string, unknown>): string {
  switch (error.keyword) {
    case 'type':
      return `must be ${describeTypes(params.type)}`;
    case 'enum':
      return `must be one of: ${(params.allowedValues as unknown[]).map(showAllowed).join(', ')}`;
    case 'const':
      return `must be ${JSON.stringify(params.allowedValue)}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `must be ${String(params.comparison)} ${String(params.limit)}`;
    case 'multipleOf':
      return `must be a multiple of ${String(params.multipleOf)}`;
    case 'pattern':
    case 'minLength':
    case 'maxLength':
      return stringRuleMessage(error, error.data, parentSchema, false);
    case 'format':
      return formatMessage(error.data, String(params.format));
    case 'minItems':
      return `must have at least ${String(params.limit)} item${params.limit === 1 ? '' : 's'}`;
    case 'maxItems':
      return `must have at most ${String(params.limit)} item${params.limit === 1 ? '' : 's'}`;
    case 'uniqueItems':
      return `must not contain duplicates (items ${String(params.j)} and ${String(params.i)} are equal)`;
    case 'minProperties':
      return `must have at least ${String(params.limit)} entr${params.limit === 1 ? 'y' : 'ies'}`;
    case 'maxProperties':
      return `must have at most ${String(params.limit)} entr${params.limit === 1 ? 'y' : 'ies'}`;
    case 'oneOf':
      return 'must match exactly one of the allowed forms, but matches several';
    case 'anyOf':
      return 'must match one of the allowed forms';
    default:
      return error.message ?? `fails the ${error.keyword} rule`;
  }
}

/**
 * pattern, minLength and maxLength of one string rule say the same thing when the pattern is one
 * boulder explains (a name too long and a name with `_` both are "not a valid name").
 */
function stringRuleMessage(error: VerboseError, value: unknown, parentSchema: Record<string, unknown>, isKey: boolean): string {
  const pattern = typeof parentSchema.pattern === 'string' ? parentSchema.pattern : undefined;
  const maxLength = typeof parentSchema.maxLength === 'number' ? parentSchema.maxLength : undefined;
  const limit = String((error.params as { limit?: unknown }).limit);
  if (error.keyword === 'pattern' || (pattern !== undefined && isKnownPattern(pattern))) {
    return describePatternMismatch(value, pattern ?? String((error.params as { pattern?: unknown }).pattern), maxLength, isKey);
  }
  const prefix = isKey ? `key ${JSON.stringify(value)}: ` : '';
  if (error.keyword === 'minLength') return limit === '1' ? `${prefix}must not be empty` : `${prefix}must be at least ${limit} characters`;
  if (error.keyword === 'maxLength') return `${prefix}must be at most ${limit} characters`;
  return `${prefix}${error.message ?? 'is not valid'}`;
}

function notMessage(base: PathSegment[], parentSchema: Record<string, unknown>, data: unknown): SchemaIssue | undefined {
  const forbidden = isRecord(parentSchema.not) ? parentSchema.not : {};
  const fields = Array.isArray(forbidden.required) ? forbidden.required.map(String) : [];
  if (fields.length >= 2 && onlyRequiresFields(forbidden)) {
    // `required` holds for anything but an object, so `not` fails on every non-object value:
    // the `type` error of that value is the real problem.
    if (!isRecord(data)) return undefined;
    const present = fields.filter((f) => f in data);
    const last = present[present.length - 1] ?? fields[fields.length - 1] ?? '';
    const names = fields.length === 2 ? `${fields[0]} and ${fields[1]}` : `${fields.slice(0, -1).join(', ')} and ${last}`;
    const path = [...base, last];
    return { path, message: `${names} are mutually exclusive; set only one`, anchor: path, onKey: true };
  }
  return { path: base, message: 'is not allowed in this form', anchor: base, onKey: false };
}

/** True for `{required: [...]}`, optionally with `properties` that only declare the fields (`{}`). */
function onlyRequiresFields(schema: Record<string, unknown>): boolean {
  const properties = schema.properties ?? {};
  if (!isRecord(properties)) return false;
  const declaresOnly = Object.values(properties).every((p) => isRecord(p) && Object.keys(p).length === 0);
  return declaresOnly && Object.keys(schema).every((k) => k === 'required' || k === 'properties');
}

function formatMessage(value: unknown, format: string): string {
  const shown = JSON.stringify(value);
  switch (format) {
    case 'date-time':
      return `${shown} is not a valid date-time: must be RFC 3339, e.g. 2025-01-31T12:00:00Z`;
    case 'ipv4':
      return `${shown} is not a valid IPv4 address`;
    case 'ipv6':
      return `${shown} is not a valid IPv6 address`;
    case 'uri':
      return `${shown} is not a valid URI`;
    default:
      return `${shown} is not a valid ${format}`;
  }
}

const typeNames: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean',
  array: 'an array',
  object: 'an object',
  null: 'null',
};

/** `string` → `a string`; `['string', 'integer']` → `a string or an integer`. */
export function describeTypes(type: unknown): string {
  const types = (Array.isArray(type) ? type : String(type).split(',')).map(String);
  const names = types.map((t) => typeNames[t] ?? t);
  return names.length <= 1 ? (names[0] ?? 'valid') : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

function showAllowed(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Replaces the errors of each failed `oneOf`/`anyOf` by those of its most plausible branch: among
 * the branches whose type fits the value, the one with the fewest errors. When no branch's type
 * fits, one `type` error naming every accepted type stands for them all.
 */
function collapseComposites(errors: readonly VerboseError[]): VerboseError[] {
  let remaining = [...errors];
  const composites = remaining
    .filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf')
    .sort((a, b) => a.schemaPath.length - b.schemaPath.length);
  for (const composite of composites) {
    if (!remaining.includes(composite)) continue;
    const prefix = `${composite.schemaPath}/`;
    const inner = remaining.filter((e) => e.schemaPath.startsWith(prefix));
    if (Array.isArray(composite.params.passingSchemas)) {
      // oneOf matched several branches: only the composite error says what is wrong.
      remaining = remaining.filter((e) => !inner.includes(e));
      continue;
    }
    if (inner.length === 0) continue;
    const branches = new Map<string, VerboseError[]>();
    for (const error of inner) {
      const branch = error.schemaPath.slice(prefix.length).split('/', 1)[0] ?? '';
      branches.set(branch, [...(branches.get(branch) ?? []), error]);
    }
    const typeMismatch = (list: VerboseError[]): VerboseError | undefined =>
      list.find((e) => e.keyword === 'type' && e.instancePath === composite.instancePath);
    const fitting = [...branches.values()].filter((list) => typeMismatch(list) === undefined);
    let replacement: VerboseError[];
    if (fitting.length > 0) {
      replacement = fitting.reduce((best, list) => (list.length < best.length ? list : best));
    } else {
      const types = [...branches.values()].flatMap((list) => String(typeMismatch(list)?.params.type ?? '').split(','));
      replacement = [{ ...composite, keyword: 'type', params: { type: [...new Set(types)].filter((t) => t !== '') } }];
    }
    remaining = remaining.flatMap((e) => (e === composite ? replacement : inner.includes(e) ? [] : [e]));
  }
  return remaining;
}
