/**
 * The one validator for paths that come from outside boulder and name something below a root: a
 * path a sync endpoint reports (a container's listing, a local scan, a change hint) or a request
 * names (a daemon API file call). Such a path is untrusted input: it must be relative, normalised
 * (`/`-separated, no empty, `.` or `..` component), free of NUL, newline and carriage return, and
 * of a length every Linux file system can hold. Checking the string is half of the rule; the
 * writing side also never follows a symlink in a parent (see `no-follow.ts`).
 */
import { BoulderError } from '../../apis/errors.ts';

/** Why a path was refused (stable, safe to match on; also the hostile corpus's `code`). */
export type PathIssueCode =
  /** The empty path where a name is required (the root itself is not allowed here). */
  | 'EmptyPath'
  /** Starts with `/`: an absolute path. */
  | 'AbsolutePath'
  /** Has a `..` component: would leave the root. */
  | 'PathEscapes'
  /** Has an empty (`a//b`, trailing `/`) or `.` component: not in normal form. */
  | 'NotNormalized'
  /** Holds NUL, newline or carriage return. */
  | 'InvalidCharacter'
  /** Longer than `MAX_PATH_BYTES`, or a component longer than `MAX_NAME_BYTES`. */
  | 'PathTooLong'
  /** A parent of the path is a symlink (or not a directory) on disk: never followed when writing. */
  | 'SymlinkParent';

/** Longest path accepted, in UTF-8 bytes (Linux PATH_MAX, terminating NUL included). */
export const MAX_PATH_BYTES = 4095;

/** Longest single component, in UTF-8 bytes (NAME_MAX on every common Linux file system). */
export const MAX_NAME_BYTES = 255;

/** A path that names something outside its root, or that no safe file system name can be. */
export class UnsafePathError extends BoulderError {
  /** What is wrong with the path. */
  readonly reason: PathIssueCode;
  /** The refused path, as received. */
  readonly path: string;

  constructor(reason: PathIssueCode, path: string, detail: string) {
    super('Invalid', `unsafe path ${quotePath(path)}: ${detail}`);
    this.name = 'UnsafePathError';
    this.reason = reason;
    this.path = path;
  }
}

/** Options of `checkRelativePath`. */
export interface RelativePathOptions {
  /** Accept `''` (the root itself). Default false. */
  allowRoot?: boolean;
}

/** A refused path's code and a one-line explanation. */
export interface PathIssue {
  code: PathIssueCode;
  detail: string;
}

/** What a refused path has and a safe one never does: NUL/LF/CR, `//`, a leading or trailing `/`, a `.` or `..` component. */
// eslint-disable-next-line no-control-regex
const SUSPECT = /[\0\n\r]|\/\/|^\/|\/$|(?:^|\/)\.\.?(?:\/|$)/;

/**
 * The issue with `path`, or undefined when it is a safe relative path (see the module comment).
 * Pure and cheap: one regular expression for the common case.
 */
export function checkRelativePath(path: string, options: RelativePathOptions = {}): PathIssue | undefined {
  if (path === '') return options.allowRoot === true ? undefined : { code: 'EmptyPath', detail: 'a name is required' };
  if (SUSPECT.test(path)) return classify(path);
  // A UTF-16 code unit is at most 3 UTF-8 bytes: shorter paths cannot exceed any limit.
  if (path.length > Math.floor(MAX_NAME_BYTES / 3)) return checkLength(path);
  return undefined;
}

/** Throws `UnsafePathError` unless `path` is a safe relative path; returns it unchanged. */
export function assertRelativePath(path: string, options: RelativePathOptions = {}): string {
  const issue = checkRelativePath(path, options);
  if (issue !== undefined) throw new UnsafePathError(issue.code, path, issue.detail);
  return path;
}

/** True when `path` is a safe relative path. */
export function isSafeRelativePath(path: string, options: RelativePathOptions = {}): boolean {
  return checkRelativePath(path, options) === undefined;
}

/** The path quoted for a message: JSON escapes, so control characters show and never break a line. */
export function quotePath(path: string): string {
  const shown = path.length > 200 ? `${path.slice(0, 200)}…` : path;
  return JSON.stringify(shown);
}

function classify(path: string): PathIssue {
  if (/[\0\n\r]/.test(path)) return { code: 'InvalidCharacter', detail: 'names may not contain NUL, newline or carriage return' };
  if (path.startsWith('/')) return { code: 'AbsolutePath', detail: 'must be relative to the root' };
  const components = path.split('/');
  if (components.includes('..')) return { code: 'PathEscapes', detail: 'a ".." component leaves the root' };
  if (components.includes('.')) return { code: 'NotNormalized', detail: 'a "." component is not allowed' };
  return { code: 'NotNormalized', detail: 'empty component (doubled or trailing "/")' };
}

function checkLength(path: string): PathIssue | undefined {
  if (Buffer.byteLength(path) > MAX_PATH_BYTES) return { code: 'PathTooLong', detail: `longer than ${MAX_PATH_BYTES} bytes` };
  for (const component of path.split('/')) {
    if (Buffer.byteLength(component) > MAX_NAME_BYTES) return { code: 'PathTooLong', detail: `a component is longer than ${MAX_NAME_BYTES} bytes` };
  }
  return undefined;
}
