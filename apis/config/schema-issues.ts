/**
 * A precompiled configuration validator's errors in the configuration's words: ajv-messages.ts's
 * translation, with messages for the patterns only the configuration schemas use.
 */
import type { ErrorObject } from 'ajv';
import { translateAjvErrors, type SchemaIssue } from '../validation/ajv-messages.ts';

/** A precompiled schema validator (Ajv standalone code, verbose errors), as `npm run generate` writes them. */
export interface ConfigValidator {
  (data: unknown): boolean;
  /** The errors of the last failed validation. */
  errors?: ErrorObject[] | null;
}

/** Patterns of the configuration schemas and what a value must be instead. */
const PATTERN_RULES: readonly { pattern: string; noun: string; rule: string }[] = [
  {
    pattern: '^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+|keychain:[^/]+/.+)$',
    noun: 'secret source',
    rule: 'env:NAME, file:/path or keychain:service/account',
  },
  {
    pattern: '^(unix|tcp|ssh|npipe|http|https)://.+$',
    noun: 'Docker host',
    rule: 'a URL such as unix:///var/run/docker.sock, tcp://host:2375 or ssh://user@host',
  },
  { pattern: '^https?://.+$', noun: 'URL', rule: 'an http:// or https:// URL' },
  { pattern: '^[^/]+$', noun: 'keychain service', rule: 'free of /' },
];

/** Rewrites `"x" does not match the pattern P` for the configuration's own patterns. */
function explainPattern(issue: SchemaIssue): SchemaIssue {
  for (const { pattern, noun, rule } of PATTERN_RULES) {
    const suffix = ` does not match the pattern ${pattern}`;
    if (issue.message.endsWith(suffix)) return { ...issue, message: `${issue.message.slice(0, -suffix.length)} is not a valid ${noun}: must be ${rule}` };
  }
  return issue;
}

/** Every problem `validate` finds in `data`, in the configuration's words (empty when valid). */
export function schemaIssues(validate: ConfigValidator, data: unknown): SchemaIssue[] {
  if (validate(data)) return [];
  return translateAjvErrors(validate.errors ?? [], data).map(explainPattern);
}
