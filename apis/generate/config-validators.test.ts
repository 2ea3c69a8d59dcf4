// The precompiled configuration validators (apis/config/generated/) behave as the run-time Ajv
// compilation they replace: same options (strict, allErrors, verbose), so the same messages.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configValidator } from '../config/config-validator.ts';
import { CONFIG_SCHEMA_FILES, effectiveSchema, type ConfigLevel } from '../config/effective-schema.ts';
import { schemaIssues } from '../config/schema-issues.ts';
import { effectiveIssues, validatorOf } from '../config/schema-validate.ts';
import { packageRoot } from '../package-root.ts';
import { loadSchemas } from '../schema/registry.ts';

const LEVELS: readonly ConfigLevel[] = ['node', 'user', 'project'];

/** The validators as schema-validate.ts compiled them at run time before they were generated. */
function runtimeValidators(): Record<ConfigLevel | 'effective', ValidateFunction> {
  const ajv = new Ajv({ strict: true, allErrors: true, verbose: true });
  const documents = loadSchemas().filter((doc) => Object.values(CONFIG_SCHEMA_FILES).includes(doc.fileName));
  for (const doc of documents) ajv.addSchema(doc.schema, doc.id);
  const level = (l: ConfigLevel): ValidateFunction => ajv.getSchema(documents.find((d) => d.fileName === CONFIG_SCHEMA_FILES[l])!.id)!;
  return { node: level('node'), user: level('user'), project: level('project'), effective: ajv.compile(effectiveSchema()) };
}

/** The data of every configuration fixture of `level` (first document), broken ones included. */
function fixtureData(level: ConfigLevel): unknown[] {
  const dir = join(packageRoot(), 'test/fixtures/config');
  const named = readdirSync(dir).filter((f) => f.includes(`-${level}-`) && f.endsWith('.yaml'));
  const valid = join(dir, 'valid', `${level}.yaml`);
  const data: unknown[] = [];
  for (const file of [...named.map((f) => join(dir, f)), valid]) {
    try {
      data.push(parse(readFileSync(file, 'utf8')));
    } catch {
      // YAML errors never reach the schema.
    }
  }
  return data;
}

describe('generated configuration validators', () => {
  const runtime = runtimeValidators();

  it.each(LEVELS.map((l) => [l] as const))('%s: the same issues as a run-time compilation for every fixture', (level) => {
    const data = fixtureData(level);
    expect(data.length).toBeGreaterThan(2);
    for (const item of data) expect(schemaIssues(validatorOf(level), item)).toEqual(schemaIssues(runtime[level], item));
  });

  it('report every error, verbosely, like the run-time compilation', () => {
    const data = { daemon: { log_level: 'loud', bogus: 1 }, limits: { max_workspaces_total: 0 } };
    const validate = validatorOf('node');
    expect(validate(data)).toBe(false);
    expect(validate.errors?.length).toBeGreaterThanOrEqual(3);
    for (const error of validate.errors ?? []) expect(error).toHaveProperty('parentSchema');
    expect(validate.errors).toEqual((runtime.node(data), runtime.node.errors));
  });

  it('effective: the same issues as a run-time compilation', () => {
    for (const item of [{ port_range: { start: 'x' } }, { daemon: { log_level: 'loud' } }, { backend: 'nope', bogus: 1 }, { secrets: { A: 'env:A' } }]) {
      const expected = runtime.effective(item) ? [] : schemaIssues(runtime.effective, item);
      expect(effectiveIssues(item)).toEqual(expected);
    }
    expect(effectiveIssues({ backend: 'nope' })).not.toEqual([]);
  });

  it('configValidator loads the same validator as schema-validate', async () => {
    for (const level of LEVELS) expect(await configValidator(level)).toBe(validatorOf(level));
  });
});
