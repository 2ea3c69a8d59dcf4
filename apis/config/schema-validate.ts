/**
 * Schema validation of configuration data with the validators `npm run generate` precompiled from
 * the configuration schemas (`generated/*.js`, Ajv standalone code compiled with the kinds'
 * options: strict, every error, verbose), so no command imports Ajv or compiles a schema. Every
 * validator is loaded with this module; `configValidator` loads one alone, on demand.
 */
import type { SchemaIssue } from '../validation/ajv-messages.ts';
import type { ConfigLevel } from './effective-schema.ts';
import { effectiveValidator as effective } from './effective-issues.ts';
import { validate as node } from './generated/node.js';
import { validate as project } from './generated/project.js';
import { validate as user } from './generated/user.js';
import { schemaIssues, type ConfigValidator } from './schema-issues.ts';

const VALIDATORS: Readonly<Record<ConfigLevel | 'effective', ConfigValidator>> = { node, user, project, effective };

/** The precompiled validator of a configuration file level. */
export function validatorOf(level: ConfigLevel): ConfigValidator {
  return VALIDATORS[level];
}

/** Every schema problem of the data of a configuration file (empty when valid). */
export function configFileIssues(level: ConfigLevel, data: unknown): SchemaIssue[] {
  return schemaIssues(VALIDATORS[level], data);
}

export { effectiveIssues } from './effective-issues.ts';
