/**
 * Tree views over flat snapshots (path → entry): child listings, subtree extraction, deep equality
 * and the "only deletions" test that three-way reconciliation is built on. Pure functions.
 */
import { entriesEqual, parentPath, type Entry, type ReadonlySnapshot, type Snapshot } from './endpoint.ts';

/** A snapshot with an index of each directory's children (the root is `''`). */
export interface IndexedSnapshot {
  readonly entries: ReadonlySnapshot;
  /** Child paths of a directory path (`''` = the root); empty when none. */
  children(path: string): readonly string[];
}

const NO_CHILDREN: readonly string[] = [];

/** Builds the child index of a snapshot. */
export function indexSnapshot(entries: ReadonlySnapshot): IndexedSnapshot {
  const byParent = new Map<string, string[]>();
  for (const path of entries.keys()) {
    const parent = parentPath(path);
    let list = byParent.get(parent);
    if (list === undefined) {
      list = [];
      byParent.set(parent, list);
    }
    list.push(path);
  }
  return {
    entries,
    children: (path) => byParent.get(path) ?? NO_CHILDREN,
  };
}

/** The entry at `path`; the root (`''`) reads as a directory. */
export function entryAt(tree: IndexedSnapshot, path: string): Entry | undefined {
  return path === '' ? ROOT_ENTRY : tree.entries.get(path);
}

const ROOT_ENTRY: Entry = { kind: 'directory' };

/** Every path at or below `path` (preorder: parents before children). */
export function subtreePaths(tree: IndexedSnapshot, path: string): string[] {
  const out: string[] = [];
  const visit = (p: string): void => {
    if (p !== '' && !tree.entries.has(p)) return;
    if (p !== '') out.push(p);
    for (const child of tree.children(p)) visit(child);
  };
  visit(path);
  return out;
}

/** The entries at and below `path` as a new snapshot. */
export function subtree(tree: IndexedSnapshot, path: string): Snapshot {
  const out: Snapshot = new Map();
  for (const p of subtreePaths(tree, path)) out.set(p, tree.entries.get(p) as Entry);
  return out;
}

/** True when both trees hold equal entries at and below `path` (mtimes ignored). */
export function subtreesEqual(a: IndexedSnapshot, b: IndexedSnapshot, path: string): boolean {
  const ea = entryAt(a, path);
  const eb = entryAt(b, path);
  if (!entriesEqual(ea, eb)) return false;
  if (ea?.kind !== 'directory') return true;
  const ca = a.children(path);
  const cb = b.children(path);
  if (ca.length !== cb.length) return false;
  for (const child of ca) {
    if (!subtreesEqual(a, b, child)) return false;
  }
  return true;
}

/**
 * True when `side` differs from `ancestor` at and below `path` only by deletions: everything
 * `side` holds there is also in the ancestor, unchanged (an unchanged subtree counts as true).
 */
export function onlyDeletions(ancestor: IndexedSnapshot, side: IndexedSnapshot, path: string): boolean {
  const es = entryAt(side, path);
  if (es === undefined) return true;
  const ea = entryAt(ancestor, path);
  if (!entriesEqual(ea, es)) return false;
  if (es.kind !== 'directory') return true;
  for (const child of side.children(path)) {
    if (!onlyDeletions(ancestor, side, child)) return false;
  }
  return true;
}

/** Removes every key at or below `path` from `entries`. */
export function deleteSubtree(entries: Snapshot, path: string, index: IndexedSnapshot): void {
  for (const p of subtreePaths(index, path)) entries.delete(p);
}

/** A copy of an entry without informational fields (what the ancestor stores). */
export function stripEntry(entry: Entry): Entry {
  if (entry.kind === 'file') return { kind: 'file', digest: entry.digest, size: entry.size, executable: entry.executable };
  if (entry.kind === 'symlink') return { kind: 'symlink', target: entry.target };
  return { kind: 'directory' };
}
