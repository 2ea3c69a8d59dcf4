/**
 * Locates boulder's package root (the directory holding package.json), so files shipped with the
 * package (`schemas/`, `manifests/`) are found both from source (`apis/schema/`) and from the
 * compiled `dist/apis/schema/`.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Walks up from `startDir` to the nearest directory containing package.json. */
export function findPackageRoot(startDir: string): string {
  let dir = startDir;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${startDir}`);
    dir = parent;
  }
}

let cachedRoot: string | undefined;

/** boulder's package root directory (cached). */
export function packageRoot(): string {
  cachedRoot ??= findPackageRoot(dirname(fileURLToPath(import.meta.url)));
  return cachedRoot;
}
