/**
 * Finding a repository's devcontainer.json: `.devcontainer/devcontainer.json`, else
 * `.devcontainer.json` (the spec's two standard places). Configurations in subfolders
 * (`.devcontainer/<name>/devcontainer.json`) are listed so the user can pick one.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The standard places, relative to the repository root, in the order they are tried. */
export const DEVCONTAINER_PATHS: readonly string[] = [join('.devcontainer', 'devcontainer.json'), '.devcontainer.json'];

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The devcontainer.json of `repoRoot` (absolute path), or undefined. */
export function findDevcontainer(repoRoot: string): string | undefined {
  for (const relative of DEVCONTAINER_PATHS) {
    const path = join(repoRoot, relative);
    if (isFile(path)) return path;
  }
  return undefined;
}

/** `.devcontainer/<name>/devcontainer.json` files of `repoRoot` (relative paths, sorted). */
export function devcontainerVariants(repoRoot: string): string[] {
  const dir = join(repoRoot, '.devcontainer');
  if (!existsSync(dir)) return [];
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && isFile(join(dir, entry.name, 'devcontainer.json')))
      .map((entry) => join('.devcontainer', entry.name, 'devcontainer.json'))
      .sort();
  } catch {
    return [];
  }
}
