/**
 * Three-way reconciliation (ancestor × alpha × beta), after Mutagen's rules R0–R6: walks the union
 * of the three trees depth-first and decides, per path, whether the sides agree (the ancestor
 * follows), one side's change is copied to the other, or the path is a conflict. Pure: it returns
 * the changes to apply and the ancestor's new value for every path it settled; the ancestor of a
 * changed path is set later from what was really applied (see fold.ts).
 */
import { entriesEqual, type Entry, type Snapshot } from './endpoint.ts';
import type { Conflict, ConflictStrategy, ConflictType, SyncMode, SyncSide } from './engine-api.ts';
import { deleteSubtree, entryAt, onlyDeletions, stripEntry, subtree, subtreePaths, subtreesEqual, type IndexedSnapshot } from './tree.ts';

/** One side as reconciliation sees it. */
export interface ReconcileSide {
  tree: IndexedSnapshot;
  /** Paths that exist but are not synchronised: ignored paths and problems. Never deleted. */
  untracked: ReadonlySet<string>;
  /** Paths the scan could not read consistently: left alone this cycle (rule R0). */
  problems: ReadonlySet<string>;
}

/** Replace the target side's content at `path` (`old`, as scanned) with `new` (the source's). */
export interface Change {
  path: string;
  /** The target side's entries at and below `path` (what must be there before replacing). */
  old: Snapshot;
  /** The source side's entries at and below `path` (what should be there afterwards). */
  new: Snapshot;
}

/** Input of `reconcile`. */
export interface ReconcileInput {
  ancestor: IndexedSnapshot;
  alpha: ReconcileSide;
  beta: ReconcileSide;
  mode: SyncMode;
  conflict: ConflictStrategy;
  /** Winners chosen by the user for paths listed as conflicts (`resolve`). */
  resolutions?: ReadonlyMap<string, SyncSide>;
}

/** Output of `reconcile`. */
export interface ReconcileResult {
  /** The ancestor with every settled path updated (changed paths keep their old value). */
  ancestor: Snapshot;
  /** Changes to apply on alpha (beta → alpha). */
  alphaChanges: Change[];
  /** Changes to apply on beta (alpha → beta). */
  betaChanges: Change[];
  conflicts: Conflict[];
}

/** Paths at or above untracked paths, for "is there untracked content at or below p". */
function untrackedCover(untracked: ReadonlySet<string>): Set<string> {
  const cover = new Set<string>();
  for (const path of untracked) {
    let p = path;
    for (;;) {
      if (cover.has(p)) break;
      cover.add(p);
      if (p === '') break;
      const slash = p.lastIndexOf('/');
      p = slash < 0 ? '' : p.slice(0, slash);
    }
  }
  return cover;
}

/** Reconciles the three trees; see the module comment and controllers/sync/README.md. */
export function reconcile(input: ReconcileInput): ReconcileResult {
  const { ancestor: A, alpha, beta, mode, conflict: strategy } = input;
  const resolutions = input.resolutions ?? new Map<string, SyncSide>();
  const newAncestor: Snapshot = new Map(A.entries);
  const alphaChanges: Change[] = [];
  const betaChanges: Change[] = [];
  const conflicts: Conflict[] = [];
  const cover = { alpha: untrackedCover(alpha.untracked), beta: untrackedCover(beta.untracked) };

  const side = (s: SyncSide): ReconcileSide => (s === 'alpha' ? alpha : beta);

  /** Copies `from`'s content at `path` over the other side, unless untracked content blocks it. */
  const propagate = (from: SyncSide, path: string): void => {
    const to: SyncSide = from === 'alpha' ? 'beta' : 'alpha';
    const target = side(to);
    const oldEntry = entryAt(target.tree, path);
    const blocked = target.untracked.has(path) || (oldEntry?.kind === 'directory' && cover[to].has(path));
    if (blocked) {
      conflicts.push(describeConflict(path, 'deletion-blocked', A, alpha.tree, beta.tree));
      return;
    }
    const change: Change = { path, old: subtree(target.tree, path), new: subtree(side(from).tree, path) };
    (to === 'alpha' ? alphaChanges : betaChanges).push(change);
  };

  /** Both sides changed `path` differently: apply a chosen winner or list a conflict. */
  const disagree = (path: string, winner: SyncSide | undefined): void => {
    if (winner === undefined) {
      const type: ConflictType = entryAt(A, path) === undefined ? 'both-created' : 'both-modified';
      conflicts.push(describeConflict(path, type, A, alpha.tree, beta.tree));
    } else {
      propagate(winner, path);
    }
  };

  const bidirectional = (path: string): void => {
    const source = bidirectionalSource(A, alpha.tree, beta.tree, path);
    if (source !== undefined) return propagate(source, path);
    return disagree(path, resolutions.get(path) ?? strategyWinner(mode, strategy)); // R6
  };

  const oneWaySafe = (path: string): void => {
    if (onlyDeletions(A, beta.tree, path)) return propagate('alpha', path);
    const a = entryAt(A, path);
    const x = entryAt(alpha.tree, path);
    const y = entryAt(beta.tree, path);
    if (x === undefined && !(a?.kind === 'directory' && y?.kind === 'directory')) {
      // Beta created or edited something alpha does not have: keep it on beta, stop tracking it.
      deleteSubtree(newAncestor, path, A);
      return;
    }
    const chosen = resolutions.get(path) ?? (strategy === 'host-wins' && x !== undefined ? 'alpha' : undefined);
    if (chosen === 'alpha') return propagate('alpha', path);
    if (chosen === 'beta' || strategy === 'container-wins') return; // beta's version stays; nothing tracked changes
    return disagree(path, undefined);
  };

  const visit = (path: string): void => {
    if (path !== '' && (alpha.problems.has(path) || beta.problems.has(path))) return; // R0
    const x = entryAt(alpha.tree, path);
    const y = entryAt(beta.tree, path);
    if (x === undefined && y === undefined) {
      deleteSubtree(newAncestor, path, A); // R1
      return;
    }
    if (entriesEqual(x, y)) {
      // R2: agreement at this level; the ancestor follows, then the children are compared.
      const a = entryAt(A, path);
      if (path !== '' && !entriesEqual(a, x)) newAncestor.set(path, stripEntry(x as Entry));
      if (x?.kind === 'directory') {
        for (const child of unionChildren(path, A, alpha.tree, beta.tree)) visit(child);
      } else if (a?.kind === 'directory') {
        for (const p of subtreePaths(A, path)) if (p !== path) newAncestor.delete(p);
      }
      return;
    }
    if (mode === 'one-way-replica') return propagate('alpha', path);
    if (mode === 'one-way-safe') return oneWaySafe(path);
    return bidirectional(path);
  };

  visit('');
  return { ancestor: newAncestor, alphaChanges, betaChanges, conflicts };
}

/**
 * Bidirectional modes where only one side changed `path` (R3), or where deletions meet (R4, R5): the
 * side whose content wins. Undefined when both modified it (R6: a conflict or the strategy's pick).
 */
function bidirectionalSource(A: IndexedSnapshot, alpha: IndexedSnapshot, beta: IndexedSnapshot, path: string): SyncSide | undefined {
  if (subtreesEqual(A, alpha, path)) return 'beta'; // R3
  if (subtreesEqual(A, beta, path)) return 'alpha'; // R3
  const alphaDeletedOnly = onlyDeletions(A, alpha, path);
  const betaDeletedOnly = onlyDeletions(A, beta, path);
  // R4: both only deleted; the side that still has something deletes the rest.
  if (alphaDeletedOnly && betaDeletedOnly) return entryAt(alpha, path) === undefined ? 'alpha' : 'beta';
  if (alphaDeletedOnly) return 'beta'; // R5: modification beats deletion
  if (betaDeletedOnly) return 'alpha';
  return undefined;
}

/** The winner of a two-sided modification without a user resolution: by mode and conflict strategy. */
function strategyWinner(mode: ReconcileInput['mode'], strategy: ReconcileInput['conflict']): SyncSide | undefined {
  if (mode === 'two-way-resolved' || strategy === 'host-wins') return 'alpha';
  if (strategy === 'container-wins') return 'beta';
  return undefined;
}

/** Sorted union of the children of `path` in the given trees. */
function unionChildren(path: string, ...trees: IndexedSnapshot[]): string[] {
  const names = new Set<string>();
  for (const tree of trees) for (const child of tree.children(path)) names.add(child);
  return [...names].sort();
}

/** Builds the conflict record for `path`, describing each side's change against the ancestor. */
export function describeConflict(
  path: string,
  type: ConflictType,
  ancestor: IndexedSnapshot,
  alpha: IndexedSnapshot,
  beta: IndexedSnapshot,
): Conflict {
  return { path, type, alpha: describeChange(ancestor, alpha, path), beta: describeChange(ancestor, beta, path) };
}

/** Words for how `side` differs from `ancestor` at `path` (e.g. `modified file`, `deleted`). */
export function describeChange(ancestor: IndexedSnapshot, side: IndexedSnapshot, path: string): string {
  const a = entryAt(ancestor, path);
  const x = entryAt(side, path);
  if (a === undefined && x === undefined) return 'absent';
  if (a === undefined) return `created ${x?.kind}`;
  if (x === undefined) return 'deleted';
  if (a.kind !== x.kind) return `replaced ${a.kind} with ${x.kind}`;
  if (subtreesEqual(ancestor, side, path)) return 'unchanged';
  if (a.kind === 'file' && x.kind === 'file') return a.digest === x.digest ? 'changed executable bit' : 'modified file';
  if (a.kind === 'symlink') return 'changed symlink target';
  return onlyDeletions(ancestor, side, path) ? 'deleted directory content' : 'modified directory content';
}
