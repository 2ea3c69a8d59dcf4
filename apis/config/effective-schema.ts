/**
 * The JSON Schemas of the three configuration files, and the schema of the effective (merged)
 * configuration composed from them: what flags and NEXUS_* variables are validated against, and
 * where `boulder config explain` finds a key's description.
 */
import { BoulderError } from '../errors.ts';
import { isPlainObject, type JsonSchema } from '../schema/json-schema.ts';
import { inlineRefs, loadSchemas } from '../schema/registry.ts';
import type { PathSegment } from '../validation/field-path.ts';

/** The configuration levels that have a file. */
export type ConfigLevel = 'node' | 'user' | 'project';

/** Schema file of each configuration level. */
export const CONFIG_SCHEMA_FILES: Record<ConfigLevel, string> = {
  node: 'config-node.schema.json',
  user: 'config-user.schema.json',
  project: 'config-project.schema.json',
};

const resolved = new Map<ConfigLevel, JsonSchema>();

/** The schema of a configuration file with every `$ref` inlined (cached; treat as read-only). */
export function configFileSchema(level: ConfigLevel): JsonSchema {
  let schema = resolved.get(level);
  if (schema === undefined) {
    const documents = loadSchemas();
    const doc = documents.find((d) => d.fileName === CONFIG_SCHEMA_FILES[level]);
    if (doc === undefined) throw new BoulderError('Internal', `missing schema ${CONFIG_SCHEMA_FILES[level]}`);
    schema = inlineRefs(doc.schema, doc.id, documents);
    delete schema.definitions;
    resolved.set(level, schema);
  }
  return schema;
}

let effective: JsonSchema | undefined;

function property(schema: JsonSchema, ...names: string[]): JsonSchema {
  let node: JsonSchema | undefined = schema;
  for (const name of names) node = node?.properties?.[name];
  if (node === undefined) throw new BoulderError('Internal', `configuration schema lacks ${names.join('.')}`);
  return structuredClone(node);
}

/**
 * The schema of the effective configuration (see EffectiveValues): the project file's keys, the
 * node's daemon, limits, multi_user, network, backends and store, port_range, the user's preferences and workspaces,
 * and user_secrets. Secrets are a map (the list form is resolved while merging). Cached.
 */
export function effectiveSchema(): JsonSchema {
  if (effective !== undefined) return effective;
  const node = configFileSchema('node');
  const user = configFileSchema('user');
  const project = configFileSchema('project');
  const secrets = property(project, 'secrets');
  const secretMap = (secrets.oneOf as JsonSchema[] | undefined)?.find((branch) => branch.type === 'object');
  const preferences = property(user, 'preferences');
  delete preferences.properties?.default_backend;
  effective = {
    description: 'The effective boulder configuration: every layer merged.',
    type: 'object',
    additionalProperties: false,
    properties: {
      ...structuredClone(project.properties),
      secrets: { ...secretMap, description: secrets.description ?? '' },
      port_range: property(node, 'defaults', 'port_range'),
      daemon: property(node, 'daemon'),
      limits: property(node, 'limits'),
      multi_user: property(node, 'multi_user'),
      network: property(node, 'network'),
      backends: property(node, 'backends'),
      store: property(node, 'store'),
      preferences,
      workspaces: property(user, 'workspaces'),
      user_secrets: { ...property(user, 'secrets'), description: 'Secret sources defined in the user configuration (its secrets), available to projects that list a secret by name.' },
    },
  };
  return effective;
}

/**
 * The schema node at `path` of `schema`: through properties, map values (additionalProperties)
 * and the object branch of a oneOf. Undefined when the schema has no such key.
 */
export function schemaAt(schema: JsonSchema, path: readonly PathSegment[]): JsonSchema | undefined {
  let node: JsonSchema | undefined = schema;
  for (const segment of path) {
    if (node === undefined) return undefined;
    if (Array.isArray(node.oneOf) && node.properties === undefined && node.additionalProperties === undefined) {
      node = (node.oneOf as JsonSchema[]).find((branch) => branch.type === 'object') ?? node;
    }
    // Own properties only: a key such as `__proto__` or `constructor` must not find Object.prototype.
    const named: JsonSchema | undefined = node.properties !== undefined && Object.hasOwn(node.properties, String(segment)) ? node.properties[String(segment)] : undefined;
    if (named !== undefined) node = named;
    else if (isPlainObject(node.additionalProperties)) node = node.additionalProperties;
    else return undefined;
  }
  return node;
}

/** Dotted paths of every named property of `schema` (map keys are not enumerable), depth first. */
export function schemaKeys(schema: JsonSchema, prefix: string[] = []): string[][] {
  const keys: string[][] = [];
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    const path = [...prefix, name];
    keys.push(path);
    keys.push(...schemaKeys(child, path));
  }
  return keys;
}
