/**
 * Labels and annotations `boulder up` puts on the objects it renders, so they can be found (and
 * told apart from hand-written manifests) later.
 */
import { basename } from 'node:path';

/** Label naming the tool that manages the object. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
/** Label naming the project (repository directory) an object was rendered for. */
export const PROJECT_LABEL = 'nexus.dev/project';
/** Label naming the Workspace an object belongs to (the Workspace controller sets it on what it owns). */
export const WORKSPACE_LABEL = 'nexus.dev/workspace';
/** Annotation naming the configuration file (relative to the repository) an object was rendered from. */
export const RENDERED_FROM_ANNOTATION = 'nexus.dev/rendered-from';

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
