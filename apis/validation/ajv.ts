/**
 * The schema validators boulder validates with: Ajv validators precompiled by `npm run generate`
 * (`generated/validators.js`, Ajv standalone code), so no process imports Ajv or compiles a schema
 * at run time. Their errors are Ajv's (allErrors, verbose), as `ajv-messages.ts` expects.
 */
import type { KindName } from '../kinds.ts';
import { PortBinding, SyncSession, Workspace } from './generated/validators.js';
import type { PrecompiledValidator } from './generated/validators.js';

/** A precompiled schema validator: true when the data is valid; otherwise `errors` lists every problem. */
export type SchemaValidator = PrecompiledValidator;

const VALIDATORS: Readonly<Record<KindName, SchemaValidator>> = { Workspace, PortBinding, SyncSession };

/** The precompiled validator of `kind`'s schema (allErrors, verbose errors). */
export function validatorForKind(kind: KindName): SchemaValidator {
  return VALIDATORS[kind];
}
