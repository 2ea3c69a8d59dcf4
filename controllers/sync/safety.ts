/**
 * The engine's safety halts, decided from the scans before anything is reconciled: an unsafe path
 * in a listing, the entry limit, a root that is gone or no longer a directory, and a root emptied
 * on one side only (Mutagen's rule). Pure: each returns the `Halt` to enter, or undefined.
 */
import type { ReadonlySnapshot, ScanResult } from './endpoint.ts';
import type { Halt, SyncSide } from './engine-api.ts';
import type { ListingIssue } from './listing-check.ts';

/** The two scans of a cycle with the endpoints' names (for messages). */
export interface ScannedSides {
  alpha: { scan: ScanResult; name: string };
  beta: { scan: ScanResult; name: string };
}

/** The `unsafe-path` halt for a listing issue found on `side`. */
export function unsafePathHalt(side: SyncSide, name: string, issue: ListingIssue): Halt {
  return {
    reason: 'unsafe-path',
    side,
    path: issue.path,
    code: issue.code,
    message:
      `${side} (${name}) reported an unsafe path (${issue.code}) ${issue.message}; nothing was synchronised on either side. ` +
      'Remove or rename that entry, then resume the session.',
  };
}

/** Halts that depend on the scans alone (limits, root state). */
export function scanHalt(sides: ScannedSides, ancestor: ReadonlySnapshot, maxEntryCount: number | undefined): Halt | undefined {
  for (const side of ['alpha', 'beta'] as const) {
    const { scan, name } = sides[side];
    if (scan.limitExceeded) {
      return {
        reason: 'max-entry-count',
        side,
        message: `${side} (${name}) holds more than ${maxEntryCount} entries (maxEntryCount); nothing was synchronised. Exclude generated directories or raise the limit, then resume.`,
      };
    }
    if (scan.root === 'not-directory') {
      return {
        reason: 'root-type-changed',
        side,
        message: `${side} root (${name}) is no longer a directory; nothing was propagated. Restore the directory, then resume (or reset).`,
      };
    }
    if (scan.root === 'absent' && ancestor.size > 0) {
      return {
        reason: 'root-deleted',
        side,
        message: `${side} root (${name}) no longer exists; nothing was propagated (its deletion is not copied to the other side). Recreate it and reset the session to copy the other side's content back, or resume once it is back.`,
      };
    }
  }
  return undefined;
}

/** The root-emptied safety halt (Mutagen's rule: ≥ threshold top-level entries → one side empty). */
export function emptiedHalt(sides: ScannedSides, ancestor: ReadonlySnapshot, threshold: number): Halt | undefined {
  const empty = (scan: ScanResult): boolean => scan.entries.size === 0 && scan.problems.length === 0;
  const alphaEmpty = empty(sides.alpha.scan);
  if (alphaEmpty === empty(sides.beta.scan)) return undefined;
  if (!hasTopLevel(ancestor, threshold)) return undefined;
  const side: SyncSide = alphaEmpty ? 'alpha' : 'beta';
  const other: SyncSide = alphaEmpty ? 'beta' : 'alpha';
  return {
    reason: 'root-emptied',
    side,
    message:
      `${side} (${sides[side].name}) is now empty although ${ancestor.size} entries were in sync (a re-created container or a wiped directory?); ` +
      `nothing was propagated. To copy ${other}'s content back, reset the session; to really delete everything, empty ${other} too and resume.`,
  };
}

/** True when `ancestor` holds at least `count` top-level entries. */
function hasTopLevel(ancestor: ReadonlySnapshot, count: number): boolean {
  if (count <= 0) return true;
  let found = 0;
  for (const path of ancestor.keys()) {
    if (!path.includes('/') && ++found >= count) return true;
  }
  return false;
}
