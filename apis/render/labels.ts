/**
 * Labels and annotations `boulder up` puts on the objects it renders, so they can be found (and
 * told apart from hand-written manifests) later.
 */
import { basename } from 'node:path';

/**
 * A label value made from free text: letters, digits, `-`, `_` and `.`, starting and ending with a
 * letter or digit, at most 63 characters (`My App!` → `My-App`); `project` when nothing is left.
 */
export function labelValue(text: string): string {
  const value = text
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return value === '' ? 'project' : value;
}

/** The project label value of a repository: its directory name as a label value. */
export function projectLabel(repoRoot: string): string {
  return labelValue(basename(repoRoot));
}
