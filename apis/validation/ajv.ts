/**
 * The Ajv instance boulder validates with: built once per process from every schema of `schemas/`,
 * with the compiled validator of each kind cached.
 */
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import formats from 'ajv-formats';
import { BoulderError } from '../errors.ts';
import type { KindName } from '../kinds.ts';
import { loadSchemas, schemaIdForKind } from '../schema/registry.ts';

let instance: Ajv | undefined;
const validators = new Map<KindName, ValidateFunction>();

function ajv(): Ajv {
  if (instance === undefined) {
    // `verbose` adds the failing schema and data to each error, which the messages are built from.
    instance = new Ajv({ strict: true, allErrors: true, verbose: true });
    formats.default(instance);
    for (const doc of loadSchemas()) instance.addSchema(doc.schema, doc.id);
  }
  return instance;
}

/** The compiled validator of `kind`'s schema (allErrors, verbose errors), compiled on first use. */
export function validatorForKind(kind: KindName): ValidateFunction {
  let validate = validators.get(kind);
  if (validate === undefined) {
    validate = ajv().getSchema(schemaIdForKind(kind));
    if (validate === undefined) throw new BoulderError('Internal', `no compiled schema for kind ${kind}`);
    validators.set(kind, validate);
  }
  return validate;
}
