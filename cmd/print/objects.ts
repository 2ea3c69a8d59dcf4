/**
 * Machine-readable output of objects: `-o yaml`, `-o json` and `-o name`, kubectl-compatible
 * (one object prints as itself, several as a `List`).
 */
import { kindByName } from '../../apis/kinds.ts';
import type { KubeObject } from '../../apis/meta.ts';
import { singularResource } from '../resources.ts';

/** Machine-readable output formats. */
export type ObjectFormat = 'yaml' | 'json' | 'name';

/** kubectl's wrapper for several objects. */
export function asList(objects: readonly KubeObject[]): Record<string, unknown> {
  return { apiVersion: 'v1', items: objects, kind: 'List', metadata: { resourceVersion: '' } };
}

/** `workspace.nexus.dev/foo`. */
export function objectName(obj: KubeObject): string {
  const kind = kindByName(obj.kind);
  return kind === undefined ? `${obj.kind.toLowerCase()}/${obj.metadata.name}` : `${singularResource(kind)}/${obj.metadata.name}`;
}

/** JSON like kubectl: four-space indentation, trailing newline. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 4)}\n`;
}

/** YAML of one value (the yaml library is loaded only when YAML is printed). */
export async function toYaml(value: unknown): Promise<string> {
  const { stringify } = await import('yaml');
  return stringify(value, { lineWidth: 0 });
}

/**
 * Formats objects: a single object as itself when `single`, else a List (yaml/json);
 * one `kind.group/name` line per object for `name`.
 */
export async function formatObjects(objects: readonly KubeObject[], format: ObjectFormat, single: boolean): Promise<string> {
  if (format === 'name') return objects.map((o) => `${objectName(o)}\n`).join('');
  const value = single && objects.length === 1 ? objects[0] : asList(objects);
  return format === 'json' ? toJson(value) : toYaml(value);
}
