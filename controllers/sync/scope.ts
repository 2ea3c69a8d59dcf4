/**
 * Incremental cycles: which paths a cycle triggered by known changes has to reconcile, and the
 * three trees cut down to them. A scoped cycle reconciles only the *roots*: the hinted paths, the
 * paths the previous cycle left unsettled (conflicts, refused or failed changes, files too large)
 * and every path whose entry differs between a side's listing and that side's previous listing
 * (so what an endpoint rescanned on its own — its own writes, an escalated hint — is never
 * missed). Everything else agreed last time and nobody reports a change there: reconciling it
 * again would decide nothing. Pure functions.
 *
 * A root is lifted to the highest of its ancestors that is not a directory on both sides, because
 * reconciliation decides at the top-most path where the sides disagree and would not descend
 * further (rule R2 recurses only into a directory both sides hold). The cut trees hold, for each
 * root, its ancestors and its whole subtree, so reconciling them visits exactly the roots.
 */
import { entriesEqual, isSameOrBelow, parentPath, type Entry, type ReadonlySnapshot, type Snapshot } from './endpoint.ts';

/** More changed paths than this in one listing and a cycle reconciles everything. */
export const MAX_SCOPED_PATHS = 2000;

/** Paths whose entry differs between two listings (added, removed or changed; mtimes ignored). */
export interface ListingDiff {
  /** Added or changed paths, with the entry before (undefined when added). */
  changed: Map<string, Entry | undefined>;
  /** Paths no longer listed, with the entry they had. */
  removed: Map<string, Entry>;
}

/** The difference from `before` to `after`, or undefined when it exceeds `limit` paths. */
export function diffListing(before: ReadonlySnapshot, after: ReadonlySnapshot, limit = MAX_SCOPED_PATHS): ListingDiff | undefined {
  const changed = new Map<string, Entry | undefined>();
  const removed = new Map<string, Entry>();
  let seen = 0;
  for (const [path, entry] of after) {
    const old = before.get(path);
    if (old === undefined) {
      changed.set(path, undefined);
      continue;
    }
    seen++;
    if (old !== entry && !entriesEqual(old, entry)) changed.set(path, old);
    if (changed.size > limit) return undefined;
  }
  // Every path of `before` that `after` still holds was counted above: anything else was removed.
  if (seen < before.size) {
    for (const [path, entry] of before) if (!after.has(path)) removed.set(path, entry);
  }
  return changed.size + removed.size > limit ? undefined : { changed, removed };
}

/** The paths of a diff. */
export function diffPaths(diff: ListingDiff): string[] {
  return [...diff.changed.keys(), ...diff.removed.keys()];
}

/** Drops paths that lie at or below another path of the list (`''` covers everything). */
export function minimalRoots(paths: Iterable<string>): string[] {
  const sorted = [...new Set(paths)].sort();
  const out: string[] = [];
  for (const path of sorted) {
    const last = out[out.length - 1];
    // Sorted order puts `a` before `a/b` (and `a-b`, `a.b` between them never cover `a/b`).
    if (last !== undefined && isSameOrBelow(path, last)) continue;
    if (out.some((kept) => isSameOrBelow(path, kept))) continue;
    out.push(path);
  }
  return out;
}

/**
 * Lifts each root to its highest ancestor that is not a directory on both sides (see the module
 * comment) and returns the minimal set; `['']` means everything.
 */
export function liftRoots(roots: readonly string[], alpha: ReadonlySnapshot, beta: ReadonlySnapshot): string[] {
  const lifted = roots.map((root) => {
    const chain: string[] = [];
    for (let p = parentPath(root); p !== ''; p = parentPath(p)) chain.push(p);
    for (let i = chain.length - 1; i >= 0; i--) {
      const q = chain[i] as string;
      if (alpha.get(q)?.kind !== 'directory' || beta.get(q)?.kind !== 'directory') return q;
    }
    return root;
  });
  return minimalRoots(lifted);
}

/**
 * The entries of `tree` at or below one of `roots` and at each root's ancestors: the part of the
 * tree a reconciliation of those roots reads.
 */
export function cutTree(tree: ReadonlySnapshot, roots: readonly string[]): Snapshot {
  const out: Snapshot = new Map();
  // Only a directory has entries below it (a listing's parents are directories): the tree is
  // walked only when a root is one.
  const below = roots.filter((root) => tree.get(root)?.kind === 'directory');
  const prefixes = below.map((root) => `${root}/`);
  for (const [path, entry] of prefixes.length === 0 ? [] : tree) {
    if (prefixes.some((prefix) => path.startsWith(prefix))) out.set(path, entry);
  }
  for (const root of roots) {
    const entry = tree.get(root);
    if (entry !== undefined) out.set(root, entry);
    for (let p = parentPath(root); p !== ''; p = parentPath(p)) {
      const entry = tree.get(p);
      if (entry !== undefined) out.set(p, entry);
    }
  }
  return out;
}

/**
 * Writes what a scoped cycle decided back into the whole ancestor: paths of the cut ancestor that
 * are gone from `after` are deleted, the rest of `after` is set. Returns whether anything changed;
 * every path it deleted or set is added to `touched` when given.
 */
export function mergeCut(ancestor: Snapshot, before: ReadonlySnapshot, after: ReadonlySnapshot, touched?: Set<string>): boolean {
  let changed = false;
  for (const path of before.keys()) {
    if (after.has(path)) continue;
    ancestor.delete(path);
    touched?.add(path);
    changed = true;
  }
  for (const [path, entry] of after) {
    const old = before.get(path);
    if (old !== undefined && sameStoredEntry(old, entry)) continue;
    ancestor.set(path, entry);
    touched?.add(path);
    changed = true;
  }
  return changed;
}

/** True when two ancestor entries would be stored identically (equality plus the file size). */
export function sameStoredEntry(a: Entry, b: Entry): boolean {
  if (!entriesEqual(a, b)) return false;
  return a.kind !== 'file' || b.kind !== 'file' || a.size === b.size;
}
