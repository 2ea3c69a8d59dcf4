/**
 * Keys of the effective configuration: dotted paths such as `workspace.idle_timeout` or
 * `services.db.env.POSTGRES_DB`, with `["..."]` for keys holding other characters.
 */
import { formatFieldPath } from '../validation/field-path.ts';
import type { PathSegment } from '../validation/field-path.ts';

/** Segments → dotted key (`['ports', 'web', 'port']` → `ports.web.port`). */
export function formatKey(path: readonly PathSegment[]): string {
  return formatFieldPath(path);
}

/**
 * Dotted key → segments; `a.b["c.d"]` → `['a', 'b', 'c.d']`. Undefined for malformed text
 * (empty segments, an unterminated bracket).
 */
export function parseKey(text: string): string[] | undefined {
  const segments: string[] = [];
  let rest = text.trim();
  if (rest === '') return undefined;
  while (rest !== '') {
    if (rest.startsWith('[')) {
      const match = /^\["((?:[^"\\]|\\.)*)"\]/.exec(rest);
      if (match === null) return undefined;
      segments.push(JSON.parse(`"${match[1] ?? ''}"`) as string);
      rest = rest.slice(match[0].length);
    } else {
      const match = /^[^.[]+/.exec(rest);
      if (match === null) return undefined;
      segments.push(match[0]);
      rest = rest.slice(match[0].length);
    }
    if (rest.startsWith('.')) {
      rest = rest.slice(1);
      if (rest === '' || rest.startsWith('.')) return undefined;
    } else if (rest !== '' && !rest.startsWith('[')) {
      return undefined;
    }
  }
  return segments;
}

/** True when `prefix` is `path` or leads to it. */
export function isPathPrefix(prefix: readonly PathSegment[], path: readonly PathSegment[]): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => String(segment) === String(path[i]));
}
