/**
 * Field paths: the segments that lead from a document's root to a value (`['spec', 'ports', 'web']`)
 * and their dotted, user-facing form (`spec.ports.web`, `spec.secrets[0].name`).
 */

/** One step into a value: a mapping key or a list index. */
export type PathSegment = string | number;

const PLAIN_KEY = /^[A-Za-z0-9_-]+$/;

/**
 * Formats segments as a dotted path: keys joined by `.`, list indices as `[n]`, and keys that
 * contain other characters (e.g. `app.kubernetes.io/name`) quoted in brackets.
 */
export function formatFieldPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/**
 * Turns a JSON pointer (`/spec/secrets/0/name`, as ajv reports `instancePath`) into segments,
 * using `data` to tell list indices (numbers) from mapping keys that look like numbers.
 */
export function pointerToSegments(pointer: string, data: unknown): PathSegment[] {
  if (pointer === '') return [];
  const segments: PathSegment[] = [];
  let current: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(current)) {
      const index = Number(key);
      segments.push(index);
      current = current[index];
    } else {
      segments.push(key);
      current = isRecord(current) ? current[key] : undefined;
    }
  }
  return segments;
}

/** True for a plain (non-array, non-null) object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
