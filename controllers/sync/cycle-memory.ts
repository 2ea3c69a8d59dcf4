/**
 * What a scoped cycle builds on (see scope.ts): the listings the previous cycle checked and
 * reconciled against, and the paths it left unsettled. Forgotten whenever a cycle does not finish
 * normally (error, halt, reset), so the next cycle reconciles everything.
 */
import type { ReadonlySnapshot, ScanResult } from './endpoint.ts';
import { unionSize } from './cycle-steps.ts';
import type { SyncSide } from './engine-api.ts';
import { diffListing, diffPaths, liftRoots, MAX_SCOPED_PATHS, minimalRoots, type ListingDiff } from './scope.ts';
import type { ScanScope } from './watch-loop.ts';

/** Each side's listing diff against its previous listing. */
export type ListingDiffs = Record<SyncSide, ListingDiff>;

/** See the module comment. */
export class CycleMemory {
  #listings: Record<SyncSide, ReadonlySnapshot> | undefined;
  #pending = new Set<string>();
  #filesTotal = 0;

  /**
   * The paths both sides rescan for a cycle hinted with `hinted` (each side's hints and the
   * unsettled paths, on both sides: reconciling a path needs both sides' view of it), or
   * undefined for a full cycle (no hints, or nothing to build on).
   */
  scanPaths(hinted: ScanScope | undefined): string[] | undefined {
    if (hinted === undefined || this.#listings === undefined || this.#pending.size > MAX_SCOPED_PATHS) return undefined;
    const paths = minimalRoots([...hinted.alpha, ...hinted.beta, ...this.#pending]);
    return paths.includes('') ? undefined : paths;
  }

  /**
   * Each side's diff against the remembered listing: the scan's own delta when it updated that
   * listing in place (the remembered map then holds the new state), else computed; undefined when
   * one is too large or cannot be known (the same map again without a delta): reconcile everything.
   */
  diff(alpha: ScanResult, beta: ScanResult): ListingDiffs | undefined {
    const listings = this.#listings;
    if (listings === undefined || alpha.root !== 'directory' || beta.root !== 'directory') return undefined;
    const alphaDiff = sideDiff(listings.alpha, alpha);
    const betaDiff = alphaDiff === undefined ? undefined : sideDiff(listings.beta, beta);
    return alphaDiff === undefined || betaDiff === undefined ? undefined : { alpha: alphaDiff, beta: betaDiff };
  }

  /**
   * The roots a scoped cycle reconciles: the rescanned paths and every path either listing
   * changed, lifted to where reconciliation decides (scope.ts `liftRoots`); undefined = everything.
   */
  roots(scanPaths: readonly string[], diffs: ListingDiffs, alpha: ReadonlySnapshot, beta: ReadonlySnapshot): string[] | undefined {
    const roots = liftRoots(minimalRoots([...scanPaths, ...diffPaths(diffs.alpha), ...diffPaths(diffs.beta)]), alpha, beta);
    return roots.includes('') ? undefined : roots;
  }

  /** The number of distinct paths of both listings: counted, or updated from the diffs of a scoped cycle. */
  filesTotal(alpha: ReadonlySnapshot, beta: ReadonlySnapshot, diffs: ListingDiffs | undefined): number {
    if (diffs === undefined || this.#listings === undefined) return unionSize(alpha, beta);
    let total = this.#filesTotal;
    // Whether a side listed the path before, from the diff (a listing may have been updated in place).
    const before = (now: ReadonlySnapshot, diff: ListingDiff, path: string): boolean =>
      diff.removed.has(path) || (diff.changed.has(path) ? diff.changed.get(path) !== undefined : now.has(path));
    for (const path of new Set([...diffPaths(diffs.alpha), ...diffPaths(diffs.beta)])) {
      total += Number(alpha.has(path) || beta.has(path)) - Number(before(alpha, diffs.alpha, path) || before(beta, diffs.beta, path));
    }
    return total;
  }

  /** Remembers a finished cycle: both listings as checked, their path count, and what it left unsettled. */
  remember(alpha: ReadonlySnapshot, beta: ReadonlySnapshot, filesTotal: number, unsettled: Set<string>): void {
    this.#listings = { alpha, beta };
    this.#filesTotal = filesTotal;
    this.#pending = unsettled;
  }

  /** Makes the next cycle reconcile everything. */
  forget(): void {
    this.#listings = undefined;
    this.#pending = new Set();
  }
}

/** One side's diff against its remembered listing (see `CycleMemory.diff`). */
function sideDiff(remembered: ReadonlySnapshot, scan: ScanResult): ListingDiff | undefined {
  const delta = scan.delta;
  if (delta !== undefined && delta.base === remembered) return delta.changed.size + delta.removed.size > MAX_SCOPED_PATHS ? undefined : delta;
  // The same map again without a delta: what changed cannot be told.
  if (scan.entries === remembered) return undefined;
  return diffListing(remembered, scan.entries);
}
