/**
 * Schema validation of values in the effective configuration shape (flags, NEXUS_* variables) with
 * the precompiled validator of effective-schema.ts alone: every command that reads its flags and
 * variables needs it, none of them the file levels' validators (which config-validator.ts loads
 * on demand), so this module loads one generated validator, not all four.
 */
import type { SchemaIssue } from '../validation/ajv-messages.ts';
import { validate as effective } from './generated/effective.js';
import { schemaIssues, type ConfigValidator } from './schema-issues.ts';

/** The precompiled validator of the effective configuration shape. */
export const effectiveValidator: ConfigValidator = effective;

/** Every schema problem of values in the effective shape (flags, NEXUS_* variables); empty when valid. */
export function effectiveIssues(data: unknown): SchemaIssue[] {
  return schemaIssues(effective, data);
}
