/**
 * Snapshots of a directory tree (paths, types, modes, sizes, content hashes, link targets), so a
 * hostile case can prove that nothing outside its own objects was written or changed.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join, relative } from 'node:path';

/** path (relative to the root) → a description of the entry that changes when the entry does. */
export type TreeSnapshot = Map<string, string>;

/** Takes a snapshot of everything under `root` (links are recorded, never followed). */
export function snapshotTree(root: string): TreeSnapshot {
  const snapshot: TreeSnapshot = new Map();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const st = lstatSync(path);
      const key = relative(root, path);
      if (st.isSymbolicLink()) snapshot.set(key, `link ${readlinkSync(path)}`);
      else if (st.isDirectory()) {
        snapshot.set(key, `dir ${(st.mode & 0o7777).toString(8)}`);
        walk(path);
      } else {
        const hash = createHash('sha256').update(readFileSync(path)).digest('hex');
        snapshot.set(key, `file ${(st.mode & 0o7777).toString(8)} ${st.size} ${hash}`);
      }
    }
  };
  walk(root);
  return snapshot;
}

/** Lists the differences between two snapshots (empty when the trees are the same). */
export function diffSnapshots(before: TreeSnapshot, after: TreeSnapshot): string[] {
  const diffs: string[] = [];
  for (const [path, entry] of before) {
    const now = after.get(path);
    if (now === undefined) diffs.push(`removed ${path}`);
    else if (now !== entry) diffs.push(`changed ${path}: ${entry} → ${now}`);
  }
  for (const path of after.keys()) if (!before.has(path)) diffs.push(`added ${path}`);
  return diffs;
}
