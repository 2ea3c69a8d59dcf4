/**
 * Whether a symlink's target stays inside the sync root, decided against the whole listing the
 * link belongs to, never lexically alone: a lexical check is bypassed by chaining links
 * (`d/up -> ..` is inside, `d/x -> up/..` is not). The target is resolved component by component
 * the way the kernel does it on the side that will hold the link: `..` pops the physical position,
 * a listed symlink met on the way is a hop (its own target, resolved from its directory), and the
 * root may never be left, at any point. What cannot be decided from the listing is outside: an
 * absolute or empty target, a `..` still to apply after a loop or more than `MAX_SYMLINK_HOPS`
 * hops, and a `..` after a component the listing does not hold as a directory (absent, ignored or
 * a file: it may be a link on the writing side, or become one). A loop with no `..` after it, like
 * a dangling name, resolves to nothing on that side and stays a link. One function for every endpoint's listing (host scan,
 * container listing, the engine's check of any endpoint).
 */
import type { Entry, ScanProblem, Snapshot } from './endpoint.ts';

/** Hops allowed while resolving one target (Linux's MAXSYMLINKS). */
export const MAX_SYMLINK_HOPS = 40;

/** Why a target is outside the root, or `undefined` when it stays inside. */
export type SymlinkEscape = 'absolute' | 'empty' | 'leaves-root' | 'too-many-hops' | 'undecidable';

/**
 * Resolves the target of the symlink at `path` against `lookup` (the listing's entries) and
 * returns why it leaves the root, or undefined when it stays inside.
 */
export function symlinkEscape(lookup: ReadonlyMap<string, Entry>, path: string, target: string): SymlinkEscape | undefined {
  const position = path.split('/').slice(0, -1);
  const pending: string[] = [];
  const push = (linkTarget: string): SymlinkEscape | undefined => {
    if (linkTarget === '' || linkTarget.includes('\0')) return 'empty';
    if (linkTarget.startsWith('/')) return 'absolute';
    pending.unshift(...linkTarget.split('/'));
    return undefined;
  };
  const first = push(target);
  if (first !== undefined) return first;
  let hops = 0;
  // Set once the position is below a component the listing does not hold as a directory.
  let unknown = false;
  while (pending.length > 0) {
    const component = pending.shift() as string;
    if (component === '' || component === '.') continue;
    if (component === '..') {
      if (unknown) return 'undecidable';
      if (position.length === 0) return 'leaves-root';
      position.pop();
      continue;
    }
    if (unknown) {
      position.push(component);
      continue;
    }
    const entry = lookup.get([...position, component].join('/'));
    if (entry?.kind === 'symlink') {
      // A loop (or an endless chain) resolves to nothing (ELOOP) without having left the root:
      // harmless as a dangling link, unless a `..` is still to be applied to where it would lead.
      if (++hops > MAX_SYMLINK_HOPS) return pending.includes('..') ? 'too-many-hops' : undefined;
      const escape = push(entry.target);
      if (escape !== undefined) return escape;
      continue;
    }
    position.push(component);
    if (entry?.kind !== 'directory') unknown = true;
  }
  return undefined;
}

/** The symlinks of `entries` whose target leaves the root, with why (empty when none: the usual case). */
export function symlinksLeavingRoot(entries: ReadonlyMap<string, Entry>): Map<string, SymlinkEscape> {
  const out = new Map<string, SymlinkEscape>();
  for (const [path, entry] of entries) {
    if (entry.kind !== 'symlink') continue;
    const escape = symlinkEscape(entries, path, entry.target);
    if (escape !== undefined) out.set(path, escape);
  }
  return out;
}

/** One line for a problem or halt message. */
export function describeEscape(escape: SymlinkEscape): string {
  switch (escape) {
    case 'absolute':
      return 'is absolute';
    case 'empty':
      return 'is empty or invalid';
    case 'leaves-root':
      return 'leaves the root (resolved through the listed links)';
    case 'too-many-hops':
      return `loops or takes more than ${MAX_SYMLINK_HOPS} link hops to resolve, with a ".." still to apply`;
    case 'undecidable':
      return 'climbs (..) out of a component that is not a listed directory, so where it leads cannot be decided';
  }
}

/**
 * A scanner's result without the symlinks that leave the root, each reported instead as a
 * `symlink-outside-root` problem (never synchronised, as for a lexically escaping target). Returns
 * `entries` itself when there is none, so a scanner may keep it as its state between scans and
 * every scan decides again against the whole tree.
 */
export function withoutEscapingLinks(entries: Snapshot, problems: ScanProblem[]): { entries: Snapshot; problems: ScanProblem[] } {
  const escaping = symlinksLeavingRoot(entries);
  if (escaping.size === 0) return { entries, problems };
  const kept: Snapshot = new Map();
  for (const [path, entry] of entries) if (!escaping.has(path)) kept.set(path, entry);
  const added = [...escaping].map(([path, escape]): ScanProblem => {
    const entry = entries.get(path);
    const target = entry?.kind === 'symlink' ? entry.target : '';
    return { path, reason: 'symlink-outside-root', message: `symlink target ${JSON.stringify(target)} ${describeEscape(escape)}` };
  });
  return { entries: kept, problems: [...problems, ...added] };
}
