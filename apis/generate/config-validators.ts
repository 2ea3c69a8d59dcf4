/**
 * Generates the precompiled validators of the configuration schemas (`apis/config/generated/`):
 * one per configuration file level and one for the effective (merged) shape that flags and
 * NEXUS_* variables are checked against, so no command compiles a schema at run time.
 */
import { Ajv } from 'ajv';
import { CONFIG_SCHEMA_FILES, effectiveSchema, type ConfigLevel } from '../config/effective-schema.ts';
import type { SchemaDocument } from '../schema/registry.ts';
import { standaloneDeclarations, standaloneModule } from './validators.ts';

/** Directory of the generated configuration validators, relative to the package root. */
export const CONFIG_VALIDATORS_DIRECTORY = 'apis/config/generated';

/** The key the effective schema (which has no `$id`) is added to Ajv under. */
const EFFECTIVE_SCHEMA_KEY = 'boulder:config-effective';

const LEVELS: readonly ConfigLevel[] = ['node', 'user', 'project'];

/** The configuration schema documents (the level files, which refer to each other). */
function configDocuments(documents: readonly SchemaDocument[]): SchemaDocument[] {
  const files = Object.values(CONFIG_SCHEMA_FILES);
  return documents.filter((doc) => files.includes(doc.fileName));
}

/**
 * Compiled with the options the configuration was validated with at run time (strict, every
 * error, verbose errors — what `ajv-messages.ts` builds its messages from); the schemas use no
 * `format`, so no format functions are added.
 */
function configAjv(documents: readonly SchemaDocument[]): Ajv {
  const ajv = new Ajv({ strict: true, allErrors: true, verbose: true, code: { source: true, esm: true, lines: true } });
  for (const doc of configDocuments(documents)) ajv.addSchema(doc.schema, doc.id);
  ajv.addSchema(effectiveSchema(), EFFECTIVE_SCHEMA_KEY);
  return ajv;
}

/** What each validator checks, by name (its module's name). */
const SUBJECTS: Record<ConfigLevel | 'effective', string> = {
  node: `the data of a node configuration file against ${CONFIG_SCHEMA_FILES.node}`,
  user: `the data of a user configuration file against ${CONFIG_SCHEMA_FILES.user}`,
  project: `the data of a project configuration file against ${CONFIG_SCHEMA_FILES.project}`,
  effective: 'values in the effective configuration shape (flags, NEXUS_* variables) against the schema of effective-schema.ts',
};

/** The schema id (or key) each validator compiles. */
function schemaIdOf(which: ConfigLevel | 'effective', documents: readonly SchemaDocument[]): string {
  if (which === 'effective') return EFFECTIVE_SCHEMA_KEY;
  const doc = documents.find((d) => d.fileName === CONFIG_SCHEMA_FILES[which]);
  if (doc === undefined) throw new Error(`no schema ${CONFIG_SCHEMA_FILES[which]} for the ${which} configuration`);
  return doc.id;
}

/**
 * The configuration's precompiled validators, one module per level (`node.js`, `user.js`,
 * `project.js`) and `effective.js`, each exporting `validate`, with type declarations: relative
 * path → content. One module each, so a command that reads only the node file (the daemon's
 * settings) loads only its validator.
 */
export function generateConfigValidators(documents: readonly SchemaDocument[]): Map<string, string> {
  const ajv = configAjv(documents);
  const files = new Map<string, string>();
  for (const which of [...LEVELS, 'effective'] as const) {
    files.set(`${CONFIG_VALIDATORS_DIRECTORY}/${which}.js`, standaloneModule(ajv, { validate: schemaIdOf(which, documents) }));
    files.set(`${CONFIG_VALIDATORS_DIRECTORY}/${which}.d.ts`, standaloneDeclarations({ validate: `Validates ${SUBJECTS[which]}.` }));
  }
  return files;
}
