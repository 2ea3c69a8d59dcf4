/**
 * The test users run the real `boulder` from this checkout: every directory above the checkout
 * (and above node) must let other users through. CI clones as root into a private temporary
 * directory (mode 0700), so each ancestor missing the others' search bit gets it (o+x: through,
 * not listing) for the suite, and its mode back afterwards.
 */
import { chmodSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Grants o+x on every ancestor of `paths` that lacks it; returns the function restoring their modes. */
export function makeTraversable(paths: readonly string[]): () => void {
  const changed = new Map<string, number>();
  for (const path of paths) {
    let dir = resolve(path);
    for (;;) {
      const mode = statSync(dir).mode & 0o7777;
      if ((mode & 0o001) === 0 && !changed.has(dir)) {
        changed.set(dir, mode);
        chmodSync(dir, mode | 0o001);
      }
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return () => {
    for (const [dir, mode] of changed) chmodSync(dir, mode);
  };
}
