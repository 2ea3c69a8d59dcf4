/**
 * Typed errors shared by every layer of boulder. Each error carries a stable machine-readable
 * `code`, a user-facing `message`, an optional `cause`, and the HTTP status Kubernetes would use,
 * so the embedded store and the Kubernetes-backed client raise indistinguishable errors.
 */

/** Stable error codes; the CLI maps them to exit codes and users may match on them in scripts. */
export type ErrorCode =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'Gone'
  | 'BadRequest'
  | 'Forbidden'
  | 'Timeout'
  | 'Unavailable'
  | 'Internal';

const httpStatusByCode: Record<ErrorCode, number> = {
  NotFound: 404,
  AlreadyExists: 409,
  Conflict: 409,
  Invalid: 422,
  Gone: 410,
  BadRequest: 400,
  Forbidden: 403,
  Timeout: 504,
  Unavailable: 503,
  Internal: 500,
};

/** One problem found while validating a document: where it is and what is wrong. */
export interface FieldIssue {
  /** Dotted field path, e.g. `spec.ports.web.containerPort`. Empty for the document root. */
  path: string;
  /** What is wrong, phrased for a user, e.g. `must be an integer`. */
  message: string;
  /** Source file, when the object came from one. */
  file?: string;
  /** 1-based line and column in `file`. */
  line?: number;
  column?: number;
  /** 0-based index of the document in a multi-document YAML file. */
  documentIndex?: number;
}

/** Base class of every error boulder raises on purpose. */
export class BoulderError extends Error {
  /** Stable code, safe to match on. */
  readonly code: ErrorCode;
  /** HTTP status equivalent (Kubernetes API semantics). */
  readonly status: number;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = `${code}Error`;
    this.code = code;
    this.status = httpStatusByCode[code];
  }
}

/** The object (or a referenced object) does not exist. */
export class NotFoundError extends BoulderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('NotFound', message, options);
  }
}

/** Create of an object whose name is taken. */
export class AlreadyExistsError extends BoulderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('AlreadyExists', message, options);
  }
}

/** Optimistic-concurrency failure: the resourceVersion sent is not the current one. */
export class ConflictError extends BoulderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('Conflict', message, options);
  }
}

/** A watch asked for a resourceVersion older than the retained history; relist and rewatch. */
export class GoneError extends BoulderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('Gone', message, options);
  }
}

/** The object failed schema validation; `issues` lists every problem found. */
export class ValidationError extends BoulderError {
  readonly issues: FieldIssue[];

  constructor(issues: FieldIssue[], options?: { cause?: unknown }) {
    super('Invalid', issues.map(formatFieldIssue).join('\n'), options);
    this.issues = issues;
  }
}

/** Formats one issue as `file:line:col: path: message` (parts that are unknown are left out). */
export function formatFieldIssue(issue: FieldIssue): string {
  let where = '';
  if (issue.file !== undefined) {
    where = issue.file;
    if (issue.line !== undefined) where += `:${issue.line}:${issue.column ?? 1}`;
    if (issue.documentIndex !== undefined && issue.documentIndex > 0) where += ` (document ${issue.documentIndex + 1})`;
    where += ': ';
  }
  const path = issue.path === '' ? '' : `${issue.path}: `;
  return `${where}${path}${issue.message}`;
}

/** True when `err` is a BoulderError with the given code. */
export function isErrorCode(err: unknown, code: ErrorCode): boolean {
  return err instanceof BoulderError && err.code === code;
}
