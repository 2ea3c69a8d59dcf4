/**
 * Folds what a side really applied back into the ancestor: for each change, start from the target
 * side's old content, replay the operations that succeeded, and make that the ancestor of the
 * change's subtree. A partially applied change thus leaves an ancestor that describes the disk,
 * and the next cycle carries on from there (never a false conflict, never a false deletion). Pure.
 */
import type { Entry, Operation, OperationResult, Snapshot } from './endpoint.ts';
import type { Change } from './reconcile.ts';
import { deleteSubtree, stripEntry, type IndexedSnapshot } from './tree.ts';

/** Counts of what happened to one side's operations. */
export interface FoldSummary {
  /** Operations that succeeded. */
  applied: number;
  /** Operations refused because something changed underneath or during transfer. */
  refused: number;
  /** Operations that failed with an I/O error. */
  failed: number;
}

/**
 * Updates `ancestor` (the reconciled ancestor, mutable) for every change of one side.
 * `previousAncestor` is the ancestor reconciliation started from (its index locates the old keys
 * below each change path). Missing `results` (the endpoint broke) leave those subtrees untouched.
 */
export function foldResults(
  ancestor: Snapshot,
  previousAncestor: IndexedSnapshot,
  changes: readonly Change[],
  ops: readonly Operation[],
  owners: readonly number[],
  results: readonly OperationResult[] | undefined,
): FoldSummary {
  const summary: FoldSummary = { applied: 0, refused: 0, failed: 0 };
  if (results === undefined) return summary;
  const outcomes = changes.map((change) => new Map(change.old));
  ops.forEach((op, i) => {
    const result = results[i];
    if (result === undefined) return;
    if (result.status !== 'ok') {
      if (result.status === 'failed') summary.failed++;
      else summary.refused++;
      return;
    }
    summary.applied++;
    const outcome = outcomes[owners[i] as number] as Snapshot;
    const entry = entryAfter(op, result);
    if (entry === undefined) outcome.delete(op.path);
    else outcome.set(op.path, entry);
  });
  changes.forEach((change, i) => {
    deleteSubtree(ancestor, change.path, previousAncestor);
    for (const [path, entry] of outcomes[i] as Snapshot) ancestor.set(path, stripEntry(entry));
  });
  return summary;
}

/** The entry a successful operation left at its path (undefined after a removal). */
function entryAfter(op: Operation, result: Extract<OperationResult, { status: 'ok' }>): Entry | undefined {
  switch (op.op) {
    case 'remove':
      return undefined;
    case 'mkdir':
      return { kind: 'directory' };
    case 'symlink':
      return { kind: 'symlink', target: op.target };
    case 'write':
      return { kind: 'file', digest: op.digest, size: op.size, executable: op.executable };
    case 'chmod':
      return result.entry ?? { ...op.expected, executable: op.executable };
  }
}
