/**
 * Validation of boulder objects: apiVersion and kind first, then the kind's JSON Schema, with every
 * problem reported as a FieldIssue that names the field and, for parsed documents, file:line:col.
 */
import type { FieldIssue } from '../errors.ts';
import { KINDS, kindByName } from '../kinds.ts';
import { API_VERSION } from '../meta.ts';
import { validatorForKind } from './ajv.ts';
import { translateAjvErrors } from './ajv-messages.ts';
import type { SchemaIssue } from './ajv-messages.ts';
import { formatFieldPath, isRecord } from './field-path.ts';
import type { PathSegment } from './field-path.ts';
import type { ParsedDocument } from './parse.ts';
import { workspaceIssues, type DescribePosition } from './workspace-checks.ts';

/**
 * Every problem of `obj` as a boulder object, or none. With `doc` (the document `obj` was parsed
 * from), issues carry its file, document index and the line and column of the offending node:
 * the key for unknown fields and bad keys, the parent mapping for missing fields, the value otherwise.
 * Objects as stored (with uid, resourceVersion, status…) are valid too.
 */
export function validateObject(obj: unknown, doc?: ParsedDocument): FieldIssue[] {
  const issues = schemaIssues(obj, doc).map((issue) => placeIssue(issue, doc));
  return doc === undefined ? issues : sortByPosition(issues);
}

/**
 * Every problem of a parsed document: its YAML problems (syntax errors, duplicate keys) and, unless
 * the YAML itself is broken, those of the object it holds.
 */
export function validateDocument(doc: ParsedDocument): FieldIssue[] {
  if (doc.hasSyntaxError) return doc.issues;
  return sortByPosition([...doc.issues, ...validateObject(doc.object, doc)]);
}

function schemaIssues(obj: unknown, doc: ParsedDocument | undefined): SchemaIssue[] {
  if (!isRecord(obj)) {
    return [issueAt([], `must be an object with apiVersion, kind and metadata, not ${describeValue(obj)}`)];
  }
  const issues: SchemaIssue[] = [];
  const apiVersionIssue = checkApiVersion(obj.apiVersion);
  if (apiVersionIssue !== undefined) issues.push(apiVersionIssue);
  const kind = typeof obj.kind === 'string' ? kindByName(obj.kind) : undefined;
  if (kind === undefined) {
    issues.push(kindIssue(obj.kind));
    return issues;
  }
  const validate = validatorForKind(kind.kind);
  if (validate(obj)) return kind.kind === 'Workspace' ? [...issues, ...workspaceIssues(obj, positionIn(doc))] : issues;
  const fromSchema = translateAjvErrors(validate.errors ?? [], obj).filter((issue) => !isTypeMetaIssue(issue));
  return [...issues, ...fromSchema];
}

function checkApiVersion(apiVersion: unknown): SchemaIssue | undefined {
  if (apiVersion === undefined) return { path: ['apiVersion'], message: 'is required', anchor: [], onKey: false };
  if (typeof apiVersion !== 'string') return issueAt(['apiVersion'], 'must be a string');
  if (apiVersion !== API_VERSION) return issueAt(['apiVersion'], `unknown apiVersion ${JSON.stringify(apiVersion)}; expected ${API_VERSION}`);
  return undefined;
}

function kindIssue(kind: unknown): SchemaIssue {
  if (kind === undefined) return { path: ['kind'], message: 'is required', anchor: [], onKey: false };
  if (typeof kind !== 'string') return issueAt(['kind'], 'must be a string');
  const expected = KINDS.map((k) => k.kind).join(', ');
  return issueAt(['kind'], `unknown kind ${JSON.stringify(kind)}; expected one of ${expected}`);
}

/** apiVersion and kind are checked before the schema runs; its own verdict on them would repeat it. */
function isTypeMetaIssue(issue: SchemaIssue): boolean {
  const [first] = issue.path;
  return issue.path.length === 1 && (first === 'apiVersion' || first === 'kind');
}

function issueAt(path: PathSegment[], message: string): SchemaIssue {
  return { path, message, anchor: path, onKey: false };
}

/** ` (file:line:col)` of a field of `doc`, for messages that name a second place; '' without a document. */
function positionIn(doc: ParsedDocument | undefined): DescribePosition {
  return (path) => {
    const at = doc?.locate(path, true);
    return doc === undefined || at === undefined ? '' : ` (${doc.file}:${at.line}:${at.column})`;
  };
}

function placeIssue(issue: SchemaIssue, doc: ParsedDocument | undefined): FieldIssue {
  const placed: FieldIssue = { path: formatFieldPath(issue.path), message: issue.message };
  if (doc === undefined) return placed;
  return { ...placed, file: doc.file, documentIndex: doc.documentIndex, ...doc.locate(issue.anchor, issue.onKey) };
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null || value === undefined) return 'empty';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number') return 'a number';
  if (typeof value === 'boolean') return 'a boolean';
  return typeof value;
}

/** Issues in source order (stable for issues at the same place). */
function sortByPosition(issues: FieldIssue[]): FieldIssue[] {
  return [...issues].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}
