/**
 * Locates boulder's package root (where package.json and bin/ live) from this module's own
 * location, which is `apis/` when run from source, `dist/apis/` from the compiled modules and
 * `dist/cli/` from the bundle (cmd/build/bundle.ts). It sits in apis/, the layer every other one
 * imports: the CLI (version, daemon start, bundle), the daemon API (`core.version`) and the
 * controllers' tests (the spawner script) all read it.
 * Cheap on purpose: `boulder --version` goes through here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: { root: string; version: string } | undefined;

function readPackage(): { root: string; version: string } {
  if (cached !== undefined) return cached;
  for (const up of ['../', '../../']) {
    const root = fileURLToPath(new URL(up, import.meta.url));
    try {
      const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'boulder' && typeof pkg.version === 'string') {
        cached = { root, version: pkg.version };
        return cached;
      }
    } catch {
      // not here; try one level up
    }
  }
  throw new Error('cannot find boulder package.json next to the CLI');
}

/** Absolute path of the package root, with a trailing slash. */
export function packageRoot(): string {
  return readPackage().root;
}

/** The version from package.json, e.g. `0.1.0`. */
export function packageVersion(): string {
  return readPackage().version;
}

/** Absolute path of the `boulder` executable script (bin/boulder.js). */
export function cliEntry(): string {
  return `${packageRoot()}bin/boulder.js`;
}

/** Absolute path of the daemon's spawner script (bin/boulder-spawner.js, controllers/runtime/child-process/spawner.ts). */
export function spawnerScript(): string {
  return `${packageRoot()}bin/boulder-spawner.js`;
}

/** Absolute path of the project configuration schema shipped in the package (`boulder init`, `boulder import`). */
export function projectSchemaPath(): string {
  return join(packageRoot(), 'schemas', 'config-project.schema.json');
}
