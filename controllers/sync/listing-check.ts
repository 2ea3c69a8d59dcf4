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
    const parent = parentPath(path);
    if (parent === '') continue;
    const kind = scan.entries.get(parent)?.kind;
    if (kind === 'directory') continue;
    if (kind === undefined) return { code: 'MissingParent', path, message: `${quotePath(path)}: listed without its parent directory ${quotePath(parent)}` };
    return { code: kind === 'symlink' ? 'SymlinkParent' : 'FileParent', path, message: `${quotePath(path)}: listed below ${quotePath(parent)}, which is a ${kind}, not a directory` };
  }
  // A target may leave the root through other links (`d/up -> ..`, `d/x -> up/..`): resolved against the whole listing.
  for (const [path, escape] of symlinksLeavingRoot(scan.entries)) {
    const entry = scan.entries.get(path);
    const target = entry?.kind === 'symlink' ? entry.target : '';
    return { code: 'SymlinkTargetEscapes', path, message: `${quotePath(path)}: symlink target ${quotePath(target)} ${describeEscape(escape)}` };
  }
  return undefined;
}
