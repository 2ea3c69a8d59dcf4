/**
 * What an endpoint reports is untrusted input (a container's listing comes from the workspace's
 * own image and code): before the engine reconciles, plans or applies anything, every path of a
 * scan — entries, problems, ignored paths — must pass the one path validator
 * (`controllers/fs/relative-path.ts`), every entry's parent must be a directory of the same
 * listing (never a symlink or a file: nothing is written "through" a link), and every symlink's
 * target must stay inside the root, resolved through the listing's other links
 * (`symlink-containment.ts`). The first violation halts the session (`unsafe-path`).
 */
import { checkRelativePath, quotePath, type PathIssueCode } from '../fs/relative-path.ts';
import { parentPath, type ScanResult } from './endpoint.ts';
import type { ListingDiff } from './scope.ts';
import { symlinkStaysInside } from './local/scanner.ts';
import { describeEscape, symlinksLeavingRoot } from './symlink-containment.ts';

/** Why a listing was refused: a path code of the validator, or a structural one. */
export type ListingIssueCode = PathIssueCode | 'SymlinkTargetEscapes' | 'MissingParent' | 'FileParent';

/** The first unsafe thing found in a scan. */
export interface ListingIssue {
  code: ListingIssueCode;
  /** The offending path, as reported. */
  path: string;
  /** One line, the path escaped (JSON quotes). */
  message: string;
}

/** The first unsafe path or structure in `scan`, or undefined when the listing is safe. */
export function checkListing(scan: ScanResult): ListingIssue | undefined {
  for (const [path, entry] of scan.entries) {
    const issue = checkRelativePath(path);
    if (issue !== undefined) return { code: issue.code, path, message: `${quotePath(path)}: ${issue.detail}` };
    if (entry.kind === 'symlink' && !symlinkStaysInside(path, entry.target)) {
      return { code: 'SymlinkTargetEscapes', path, message: `${quotePath(path)}: symlink target ${quotePath(entry.target)} is absolute or leaves the root` };
    }
  }
  for (const path of [...scan.problems.map((p) => p.path), ...scan.ignored]) {
    const issue = checkRelativePath(path);
    if (issue !== undefined) return { code: issue.code, path, message: `${quotePath(path)}: ${issue.detail}` };
  }
  // An incomplete listing (the entry limit was hit) halts on its own; its tree need not be whole.
  if (scan.limitExceeded) return undefined;
  for (const path of scan.entries.keys()) {
    const issue = parentIssue(scan, path);
    if (issue !== undefined) return issue;
  }
  // A target may leave the root through other links (`d/up -> ..`, `d/x -> up/..`): resolved against the whole listing.
  for (const [path, escape] of symlinksLeavingRoot(scan.entries)) {
    const entry = scan.entries.get(path);
    const target = entry?.kind === 'symlink' ? entry.target : '';
    return { code: 'SymlinkTargetEscapes', path, message: `${quotePath(path)}: symlink target ${quotePath(target)} ${describeEscape(escape)}` };
  }
  return undefined;
}

/**
 * `checkListing` for a listing that differs from an already checked listing of the same side only
 * by `diff` (every other entry is the one checked before): each added or changed entry's path and
 * parent, and every problem and ignored path. Returns `'full'` when the change can reach beyond
 * the changed paths — a symlink added, changed or removed, a directory removed or retyped (its
 * children would need their parent again), an incomplete listing — and the whole listing must be
 * checked with `checkListing`.
 */
export function checkListingChanges(scan: ScanResult, diff: ListingDiff): ListingIssue | undefined | 'full' {
  if (scan.limitExceeded) return 'full';
  for (const old of diff.removed.values()) if (old.kind !== 'file') return 'full';
  for (const [path, old] of diff.changed) {
    const entry = scan.entries.get(path);
    if (entry === undefined || entry.kind === 'symlink' || old?.kind === 'symlink') return 'full';
    if (old?.kind === 'directory' && entry.kind !== 'directory') return 'full';
    const issue = checkRelativePath(path);
    if (issue !== undefined) return { code: issue.code, path, message: `${quotePath(path)}: ${issue.detail}` };
    const structural = parentIssue(scan, path);
    if (structural !== undefined) return structural;
  }
  for (const path of [...scan.problems.map((p) => p.path), ...scan.ignored]) {
    const issue = checkRelativePath(path);
    if (issue !== undefined) return { code: issue.code, path, message: `${quotePath(path)}: ${issue.detail}` };
  }
  return undefined;
}

/** Why the parent of a listed `path` is not acceptable (missing, a symlink or a file), if it is not. */
function parentIssue(scan: ScanResult, path: string): ListingIssue | undefined {
  const parent = parentPath(path);
  if (parent === '') return undefined;
  const kind = scan.entries.get(parent)?.kind;
  if (kind === 'directory') return undefined;
  if (kind === undefined) return { code: 'MissingParent', path, message: `${quotePath(path)}: listed without its parent directory ${quotePath(parent)}` };
  return { code: kind === 'symlink' ? 'SymlinkParent' : 'FileParent', path, message: `${quotePath(path)}: listed below ${quotePath(parent)}, which is a ${kind}, not a directory` };
}
