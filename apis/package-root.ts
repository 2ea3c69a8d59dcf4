/**
 * Locates boulder's package root (where package.json and bin/ live) from this module's own
 * location (the nearest package.json above it), which is `apis/` when run from source,
 * `dist/apis/` from the compiled modules and `dist/cli/` from the bundle (cmd/build/bundle.ts). It sits in apis/, the layer every other one
 * imports: the CLI (version, daemon start, bundle), the daemon API (`core.version`) and the
 * controllers' tests (the spawner script) all read it.
 * Cheap on purpose: `boulder --version` goes through here.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Walks up from `startDir` to the nearest directory containing package.json (no trailing slash). */
export function findPackageRoot(startDir: string): string {
  let dir = startDir;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${startDir}`);
    dir = parent;
  }
}

let cached: { root: string; version: string } | undefined;

function readPackage(): { root: string; version: string } {
  if (cached !== undefined) return cached;
  const root = `${findPackageRoot(dirname(fileURLToPath(import.meta.url)))}/`;
  const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { name?: unknown; version?: unknown };
  if (pkg.name !== 'boulder' || typeof pkg.version !== 'string') throw new Error(`${root}package.json is not boulder's`);
  cached = { root, version: pkg.version };
  return cached;
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
