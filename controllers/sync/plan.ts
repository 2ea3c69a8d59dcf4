/**
 * Turns reconciliation changes for one side into an ordered list of checked operations, the reads
 * the other side must stream for them, and local copies for content the side already holds
 * (renames and copies cost nothing on the wire). Pure.
 *
 * Order: changes are disjoint subtrees, so any order between them is valid; changes that create
 * or replace without removing anything go first, so a renamed file can be copied from its old name
 * before that name is removed. Inside a change, removals run children-first, creations
 * parents-first.
 */
import type { Entry, FileEntry, FileRequest, Operation, ReadonlySnapshot } from './endpoint.ts';
import type { Change } from './reconcile.ts';

/** The operations for one side, with bookkeeping to fold results back per change. */
export interface SidePlan {
  ops: Operation[];
  /** Index into the change list for each operation. */
  owners: number[];
  /** Files the other side streams, in the order of the `stream` writes. */
  reads: FileRequest[];
  /** Bytes the reads will transfer. */
  bytes: number;
  /** Files not transferred because they exceed the size limit. */
  tooLarge: Array<{ path: string; size: number }>;
}

/** Options of `planSide`. */
export interface PlanOptions {
  /** The target side's current snapshot, searched for content it already holds. */
  target: ReadonlySnapshot;
  /** Largest file transferred (undefined = unlimited). */
  maxFileSize?: number;
}

/** Operations for one change, without content sources decided yet. */
function changeOperations(change: Change): Operation[] {
  const { path } = change;
  const before = change.old.get(path);
  const after = change.new.get(path);
  const ops: Operation[] = [];
  if (before !== undefined && after !== undefined && before.kind !== 'directory' && after.kind !== 'directory') {
    if (before.kind === 'file' && after.kind === 'file' && before.digest === after.digest) {
      ops.push({ op: 'chmod', path, executable: after.executable, expected: before });
    } else if (after.kind === 'symlink') {
      ops.push({ op: 'symlink', path, target: after.target, expected: before });
    } else {
      ops.push(writeOp(path, after, before));
    }
    return ops;
  }
  if (before !== undefined) {
    const paths = [...change.old.keys()].sort().reverse();
    for (const p of paths) ops.push({ op: 'remove', path: p, expected: change.old.get(p) as Entry });
  }
  if (after !== undefined) {
    for (const p of [...change.new.keys()].sort()) {
      const entry = change.new.get(p) as Entry;
      if (entry.kind === 'directory') ops.push({ op: 'mkdir', path: p });
      else if (entry.kind === 'symlink') ops.push({ op: 'symlink', path: p, target: entry.target, expected: undefined });
      else ops.push(writeOp(p, entry, undefined));
    }
  }
  return ops;
}

function writeOp(path: string, entry: FileEntry, expected: FileEntry | Extract<Entry, { kind: 'symlink' }> | undefined): Operation {
  return { op: 'write', path, expected, digest: entry.digest, size: entry.size, executable: entry.executable, source: 'stream' };
}

/** Plans the operations applying `changes` on one side (see the module comment). */
export function planSide(changes: readonly Change[], options: PlanOptions): SidePlan {
  const perChange = changes.map(changeOperations);
  const order = changes.map((_, i) => i);
  const removes = (i: number): boolean => (perChange[i] as Operation[]).some((op) => op.op === 'remove');
  order.sort((a, b) => Number(removes(a)) - Number(removes(b)));

  // Paths this batch creates or replaces can not serve as copy sources; paths it removes can,
  // but only for writes that run before any removal (the first group).
  const written = new Set<string>();
  const removed = new Set<string>();
  for (const ops of perChange) {
    for (const op of ops) (op.op === 'remove' ? removed : written).add(op.path);
  }
  // Only the digests this plan writes are looked up (one light pass over the target's files).
  const wanted = new Set<string>();
  for (const ops of perChange) for (const op of ops) if (op.op === 'write') wanted.add(op.digest);
  const holders = new Map<string, string[]>();
  for (const [path, entry] of wanted.size === 0 ? [] : options.target) {
    if (entry.kind !== 'file' || !wanted.has(entry.digest) || written.has(path)) continue;
    const list = holders.get(entry.digest);
    if (list === undefined) holders.set(entry.digest, [path]);
    else list.push(path);
  }

  const plan: SidePlan = { ops: [], owners: [], reads: [], bytes: 0, tooLarge: [] };
  for (const index of order) {
    const beforeRemovals = !removes(index);
    for (const op of perChange[index] as Operation[]) {
      if (op.op === 'write') {
        const source = (holders.get(op.digest) ?? []).find((p) => beforeRemovals || !removed.has(p));
        if (source !== undefined) {
          plan.ops.push({ ...op, source: { copyFrom: source } });
          plan.owners.push(index);
          continue;
        }
        if (options.maxFileSize !== undefined && op.size > options.maxFileSize) {
          plan.tooLarge.push({ path: op.path, size: op.size });
          continue;
        }
        const entry: FileEntry = (changes[index] as Change).new.get(op.path) as FileEntry;
        plan.reads.push({ path: op.path, expected: entry });
        plan.bytes += op.size;
      }
      plan.ops.push(op);
      plan.owners.push(index);
    }
  }
  return plan;
}
