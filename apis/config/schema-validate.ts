/**
 * Schema validation of configuration data: one Ajv instance for the configuration schemas, with the
 * options the kinds' validators use (strict, every error, verbose), built on first use; and messages
 * for the patterns only the configuration schemas use.
 */
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import { BoulderError } from '../errors.ts';
import { loadSchemas } from '../schema/registry.ts';
import { translateAjvErrors, type SchemaIssue } from '../validation/ajv-messages.ts';
import { CONFIG_SCHEMA_FILES, effectiveSchema, type ConfigLevel } from './effective-schema.ts';

let instance: Ajv | undefined;
const validators = new Map<ConfigLevel | 'effective', ValidateFunction>();

function ajv(): Ajv {
  if (instance === undefined) {
    instance = new Ajv({ strict: true, allErrors: true, verbose: true });
    for (const doc of loadSchemas()) if (Object.values(CONFIG_SCHEMA_FILES).includes(doc.fileName)) instance.addSchema(doc.schema, doc.id);
  }
  return instance;
}

function validator(which: ConfigLevel | 'effective'): ValidateFunction {
  let validate = validators.get(which);
  if (validate === undefined) {
    if (which === 'effective') {
      validate = ajv().compile(effectiveSchema());
    } else {
      const doc = loadSchemas().find((d) => d.fileName === CONFIG_SCHEMA_FILES[which]);
      validate = doc === undefined ? undefined : ajv().getSchema(doc.id);
    }
    if (validate === undefined) throw new BoulderError('Internal', `no configuration schema for ${which}`);
    validators.set(which, validate);
  }
  return validate;
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

/** Every schema problem of the data of a configuration file (empty when valid). */
export function configFileIssues(level: ConfigLevel, data: unknown): SchemaIssue[] {
  const validate = validator(level);
  if (validate(data)) return [];
  return translateAjvErrors(validate.errors ?? [], data).map(explainPattern);
}

/** Every schema problem of values in the effective shape (flags, NEXUS_* variables); empty when valid. */
export function effectiveIssues(data: unknown): SchemaIssue[] {
  const validate = validator('effective');
  if (validate(data)) return [];
  return translateAjvErrors(validate.errors ?? [], data).map(explainPattern);
}
