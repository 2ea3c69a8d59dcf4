/** How a value's origin is written in messages: `user ~/.nexus/config.yaml:3:5`, `env NEXUS_BACKEND`. */
import type { FieldIssue } from '../errors.ts';
import type { ValueOrigin } from './types.ts';

/** `layer source[:line:col]`. */
export function describeOrigin(origin: ValueOrigin): string {
  const at = origin.line === undefined ? origin.source : `${origin.source}:${origin.line}:${origin.column ?? 1}`;
  return `${origin.layer} ${at}`;
}

/**
 * An issue (error or warning) about the value `origin` set: placed at its file, line and column and
 * named by the key as the file spells it; for flags and variables, named by the flag or variable.
 */
export function issueAtOrigin(origin: ValueOrigin, message: string): FieldIssue {
  if (origin.line !== undefined) {
    return { file: origin.source, line: origin.line, column: origin.column ?? 1, path: origin.sourceKey ?? origin.key, message };
  }
  if (origin.layer === 'flag' || origin.layer === 'env') return { path: origin.source, message };
  return { path: origin.key, message };
}
