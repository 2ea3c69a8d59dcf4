/**
 * Steps of one engine cycle that need no engine state: planning both sides (with the size limit's
 * problems), streaming a plan into its endpoint, turning refused or failed operations into
 * problems, and what a cycle leaves unsettled for the next scoped cycle to look at again.
 */
import type { Endpoint, FileContent, OperationResult, ReadonlySnapshot } from './endpoint.ts';
import type { SyncProblem, SyncSide } from './engine-api.ts';
import { planSide, type SidePlan } from './plan.ts';
import type { ReconcileResult } from './reconcile.ts';
import { sameStoredEntry } from './scope.ts';

/** Both sides' plans. */
export interface Plans {
  alpha: SidePlan;
  beta: SidePlan;
}

/** Plans the changes of both sides; files over `maxFileSize` become `too-large` problems (of the side holding them). */
export function planBoth(reconciled: ReconcileResult, targets: Record<SyncSide, ReadonlySnapshot>, maxFileSize: number | undefined, problems: SyncProblem[]): Plans {
  const sizeLimit = maxFileSize === undefined ? {} : { maxFileSize };
  const plans: Plans = {
    alpha: planSide(reconciled.alphaChanges, { target: targets.alpha, ...sizeLimit }),
    beta: planSide(reconciled.betaChanges, { target: targets.beta, ...sizeLimit }),
  };
  for (const target of ['alpha', 'beta'] as const) {
    for (const big of plans[target].tooLarge) {
      problems.push({
        path: big.path,
        side: target === 'alpha' ? 'beta' : 'alpha',
        reason: 'too-large',
        message: `${big.size} bytes exceeds maxStagingSize (${maxFileSize}); not transferred`,
      });
    }
  }
  return plans;
}

/** Streams the plan's reads from `source` into `target.apply`; empty plans cost nothing. */
export async function applyPlan(target: Endpoint, source: Endpoint, plan: SidePlan): Promise<OperationResult[]> {
  if (plan.ops.length === 0) return [];
  const contents: AsyncIterable<FileContent> = plan.reads.length === 0 ? emptyContents() : source.readFiles(plan.reads);
  return target.apply(plan.ops, contents);
}

/** An empty stream of contents. */
export async function* emptyContents(): AsyncIterable<FileContent> {
  // yields nothing
}

/** Adds a problem for every operation of `plan` that did not succeed. */
export function collectApplyProblems(problems: SyncProblem[], side: SyncSide, plan: SidePlan, results: readonly OperationResult[] | undefined): void {
  if (results === undefined) return;
  results.forEach((result, i) => {
    if (result.status === 'ok') return;
    const op = plan.ops[i];
    if (op === undefined) return;
    problems.push({
      path: op.path,
      side,
      reason: result.status === 'failed' ? 'apply-failed' : 'changed-during-transfer',
      message: `${op.op}: ${result.message}`,
    });
  });
}

/**
 * Paths a cycle did not settle, which the next scoped cycle reconciles again even without a hint:
 * conflicts, files too large to transfer, and every change with an operation that did not succeed
 * (or whose side failed as a whole).
 */
export function unsettledPaths(reconciled: ReconcileResult, plans: Plans, results: Record<SyncSide, readonly OperationResult[] | undefined>): Set<string> {
  const out = new Set(reconciled.conflicts.map((c) => c.path));
  for (const side of ['alpha', 'beta'] as const) {
    const plan = plans[side];
    const changes = side === 'alpha' ? reconciled.alphaChanges : reconciled.betaChanges;
    for (const big of plan.tooLarge) out.add(big.path);
    const sideResults = results[side];
    if (sideResults === undefined) {
      for (const change of changes) out.add(change.path);
      continue;
    }
    plan.ops.forEach((_, i) => {
      if (sideResults[i]?.status === 'ok') return;
      const change = changes[plan.owners[i] as number];
      if (change !== undefined) out.add(change.path);
    });
  }
  return out;
}

/** True when two snapshots hold the same paths with equal stored entries (mtimes ignored). */
export function snapshotsEqual(a: ReadonlySnapshot, b: ReadonlySnapshot): boolean {
  if (a.size !== b.size) return false;
  for (const [path, entry] of a) {
    const other = b.get(path);
    if (other === undefined || !sameStoredEntry(entry, other)) return false;
  }
  return true;
}

/** Number of distinct paths in two snapshots. */
export function unionSize(a: ReadonlySnapshot, b: ReadonlySnapshot): number {
  let count = a.size;
  for (const path of b.keys()) if (!a.has(path)) count++;
  return count;
}
