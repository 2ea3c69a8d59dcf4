/**
 * `boulder explain KIND[.field.path]`: kubectl-explain-like documentation of a kind's fields, read
 * from its JSON Schema.
 */
import { BoulderError } from '../errors.ts';
import type { KindInfo } from '../kinds.ts';
import { mapValueSchema, type JsonSchema } from './json-schema.ts';
import { resolvedKindSchema } from './registry.ts';

/** Options of `explain`. */
export interface ExplainOptions {
  /** List every nested field (names and types only), like `kubectl explain --recursive`. */
  recursive?: boolean;
}

const WRAP_WIDTH = 80;

/**
 * The schema whose fields are listed under a node: the node itself for objects, the item schema
 * for arrays and the value schema for maps (recursively, for arrays of maps and the like).
 */
function fieldsHolder(schema: JsonSchema): JsonSchema {
  if (schema.type === 'array' && schema.items !== undefined) return fieldsHolder(schema.items);
  const value = mapValueSchema(schema);
  if (schema.type === 'object' && schema.properties === undefined && value !== undefined) return fieldsHolder(value);
  return schema;
}

/** kubectl-style type label: `string`, `integer`, `Object`, `[]Object`, `map[string]string`… */
export function typeLabel(schema: JsonSchema): string {
  if (schema.type === 'array') return `[]${schema.items === undefined ? 'Object' : typeLabel(schema.items)}`;
  if (schema.type === 'object') {
    const value = mapValueSchema(schema);
    if (schema.properties === undefined && value !== undefined) return `map[string]${typeLabel(value)}`;
    return 'Object';
  }
  return schema.type ?? 'Object';
}

/** Greedy word wrap of `text` to lines of at most `width` characters (longer words stay whole). */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

function indented(text: string, indent: number): string[] {
  const pad = ' '.repeat(indent);
  return wrapText(text, WRAP_WIDTH - indent).map((l) => `${pad}${l}`);
}

function formatValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The enum / default facts of a field as [label, value] pairs, e.g. `['enum', 'tcp, udp']`. */
function facts(schema: JsonSchema): [string, string][] {
  const out: [string, string][] = [];
  if (schema.enum !== undefined) out.push(['enum', schema.enum.map(formatValue).join(', ')]);
  if (schema.const !== undefined) out.push(['enum', formatValue(schema.const)]);
  if (schema.default !== undefined) out.push(['default', formatValue(schema.default)]);
  return out;
}

/** Resolves `fieldPath` (dots; array items and map values are stepped through transparently). */
function findField(root: JsonSchema, kind: string, fieldPath: string): { name: string; schema: JsonSchema; required: boolean } {
  const notFound = (): BoulderError => new BoulderError('BadRequest', `field "${fieldPath}" does not exist in ${kind}`);
  let node = root;
  let name = kind;
  let required = false;
  for (const segment of fieldPath.split('.')) {
    if (segment === '') throw notFound();
    const holder = fieldsHolder(node);
    const child = holder.properties?.[segment];
    if (child !== undefined) {
      node = child;
      required = holder.required?.includes(segment) ?? false;
    } else {
      // A map key (`spec.ports.web`) selects the map's value schema.
      const value = node.type === 'object' && node.properties === undefined ? mapValueSchema(node) : undefined;
      if (value === undefined) throw notFound();
      node = value;
      required = false;
    }
    name = segment;
  }
  return { name, schema: node, required };
}

function fieldLines(holder: JsonSchema, depth: number, recursive: boolean): string[] {
  const lines: string[] = [];
  const pad = '  '.repeat(depth + 1);
  for (const [name, child] of Object.entries(holder.properties ?? {})) {
    const required = holder.required?.includes(name) === true ? ' -required-' : '';
    lines.push(`${pad}${name}\t<${typeLabel(child)}>${required}`);
    if (recursive) {
      lines.push(...fieldLines(fieldsHolder(child), depth + 1, true));
      continue;
    }
    for (const [label, value] of facts(child)) lines.push(`${pad}  ${label}: ${value}`);
    lines.push(...indented(child.description ?? '<no description>', pad.length + 2), '');
  }
  return lines;
}

/**
 * Documentation of `kind`, or of the field at `fieldPath` (e.g. `spec.ports.containerPort`), in the
 * layout of `kubectl explain`. Throws a BadRequest BoulderError when the field does not exist.
 */
export function explain(kind: KindInfo, fieldPath?: string, opts: ExplainOptions = {}): string {
  const root = resolvedKindSchema(kind.kind);
  const lines = [`KIND:     ${kind.kind}`, `VERSION:  ${kind.group}/${kind.version}`, ''];
  let target = root;
  if (fieldPath !== undefined && fieldPath !== '') {
    const field = findField(root, kind.kind, fieldPath);
    target = field.schema;
    lines.push(`FIELD: ${field.name} <${typeLabel(target)}>${field.required ? ' -required-' : ''}`, '');
  }
  const targetFacts = facts(target);
  if (targetFacts.length > 0) lines.push(...targetFacts.map(([label, value]) => `${label.toUpperCase()}: ${value}`), '');
  lines.push('DESCRIPTION:', ...indented(target.description ?? '<no description>', 2), '');
  const holder = fieldsHolder(target);
  if (holder.properties !== undefined) {
    lines.push('FIELDS:', ...fieldLines(holder, 0, opts.recursive === true));
  }
  while (lines.at(-1) === '') lines.pop();
  return `${lines.join('\n')}\n`;
}
