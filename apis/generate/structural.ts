/**
 * Checks that a CRD `openAPIV3Schema` is structural as Kubernetes requires, and that a JSON Schema
 * documents every field (descriptions feed `kubectl explain` and `boulder explain`).
 */
import { isPlainObject } from '../schema/json-schema.ts';

/** Keywords Kubernetes rejects anywhere in a CRD schema. */
const FORBIDDEN_IN_CRD = ['$ref', '$id', '$schema', 'const', 'examples', 'propertyNames', 'definitions'];

type Node = Record<string, unknown>;

/** Calls `visit(node, path)` for every field node: the root, properties, array items and map values. */
function walkFields(root: Node, visit: (node: Node, path: string) => void, path = ''): void {
  visit(root, path === '' ? '<root>' : path);
  const join = (suffix: string): string => (path === '' ? suffix : `${path}.${suffix}`);
  if (isPlainObject(root.properties)) {
    for (const [name, child] of Object.entries(root.properties)) if (isPlainObject(child)) walkFields(child, visit, join(name));
  }
  if (isPlainObject(root.items)) walkFields(root.items, visit, `${path}[]`);
  if (isPlainObject(root.additionalProperties)) walkFields(root.additionalProperties, visit, join('*'));
}

/** Every way `schema` is not a structural CRD schema, as `path: problem` lines (empty when fine). */
export function structuralProblems(schema: Node): string[] {
  const problems: string[] = [];
  walkFields(schema, (node, path) => {
    const typed = typeof node.type === 'string' || node['x-kubernetes-int-or-string'] === true || node['x-kubernetes-preserve-unknown-fields'] === true;
    if (!typed) problems.push(`${path}: no type`);
    for (const keyword of FORBIDDEN_IN_CRD) if (keyword in node) problems.push(`${path}: keyword ${keyword} is not allowed`);
    if ('additionalProperties' in node && !isPlainObject(node.additionalProperties)) {
      problems.push(`${path}: additionalProperties must be a schema`);
    }
    if (typeof node.pattern === 'string' && /\(\?[=!<]|\\[1-9]/.test(node.pattern)) {
      problems.push(`${path}: pattern uses lookaround or backreferences, which the API server's RE2 engine rejects`);
    }
    if (isPlainObject(node.additionalProperties) && isPlainObject(node.properties)) {
      problems.push(`${path}: properties and additionalProperties are mutually exclusive`);
    }
  });
  if (isPlainObject(schema.properties) && isPlainObject(schema.properties.metadata)) {
    const keys = Object.keys(schema.properties.metadata);
    if (keys.length !== 1 || schema.properties.metadata.type !== 'object') problems.push('metadata: must be exactly {type: object}');
  }
  return problems;
}

/** Field paths of `schema` without a non-empty description (a `$ref` is documented by its target). */
export function missingDescriptions(schema: Node): string[] {
  const missing: string[] = [];
  walkFields(schema, (node, path) => {
    if (typeof node.$ref === 'string') return;
    if (typeof node.description !== 'string' || node.description.trim() === '') missing.push(path);
  });
  return missing;
}
