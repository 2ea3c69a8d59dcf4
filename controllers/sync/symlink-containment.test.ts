import { mkdir, mkdtemp, realpath, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Entry, Snapshot } from './endpoint.ts';
import { checkListing } from './listing-check.ts';
import { DigestCache } from './local/digest-cache.ts';
import { LocalScanner } from './local/scanner.ts';
import { symlinkEscape, symlinksLeavingRoot, withoutEscapingLinks, type SymlinkEscape } from './symlink-containment.ts';
import { createIgnoreMatcher } from './ignore.ts';

/** A listing from `dir/` (directory), `link -> target` and `file` lines; parents are added. */
function listing(...lines: string[]): Snapshot {
  const entries: Snapshot = new Map();
  const addParents = (path: string): void => {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) entries.set(parts.slice(0, i).join('/'), { kind: 'directory' });
  };
  for (const line of lines) {
    const arrow = line.indexOf(' -> ');
    const path = arrow >= 0 ? line.slice(0, arrow) : line.replace(/\/$/, '');
    addParents(path);
    const entry: Entry =
      arrow >= 0 ? { kind: 'symlink', target: line.slice(arrow + 4) } : line.endsWith('/') ? { kind: 'directory' } : { kind: 'file', digest: 'd', size: 0, executable: false };
    entries.set(path, entry);
  }
  return entries;
}

const chain = ['a/b/c/d/up -> ../../../..', 'a/b/c/d/x -> up/../../..'];

describe('symlinkEscape (resolved against the listing, component by component)', () => {
  const table: Array<[string, string[], string, SymlinkEscape | undefined]> = [
    ['a plain sibling', ['a/l -> b', 'a/b'], 'a/l', undefined],
    ['up one level inside', ['a/l -> ../b'], 'a/l', undefined],
    ['the root itself', ['l -> .'], 'l', undefined],
    ['a dangling name', ['a/l -> missing/deeper/name'], 'a/l', undefined],
    ['up past the root, lexically', ['a/l -> ../../b'], 'a/l', 'leaves-root'],
    ['absolute', ['l -> /etc'], 'l', 'absolute'],
    ['empty', ['l -> '], 'l', 'empty'],
    ['a chain resolving to the root (allowed)', chain, 'a/b/c/d/up', undefined],
    ['a chain whose hop leaves the root (the review repro)', chain, 'a/b/c/d/x', 'leaves-root'],
    ['through a link into a directory and back out', ['a/b/', 'a/in -> b', 'a/x -> in/../../..'], 'a/x', 'leaves-root'],
    ['through a link and down again (physical ..)', ['a/b/c/', 'a/in -> b/c', 'a/x -> in/../c'], 'a/x', undefined],
    ['a final component that is a link leaving the root', ['out -> ..', 'x -> out'], 'x', 'leaves-root'],
    ['a hop to an absolute target', ['abs -> /', 'x -> abs/etc'], 'x', 'absolute'],
    ['a loop (dangling: ELOOP, never left the root)', ['p -> q', 'q -> p', 'x -> p/f'], 'x', undefined],
    ['a self loop', ['x -> x'], 'x', undefined],
    ['a loop with a .. still to apply', ['d/', 'p -> q', 'q -> p', 'd/x -> ../p/../d'], 'd/x', 'too-many-hops'],
    ['a loop climbing and coming back (ELOOP, never left the root)', ['a/p -> ../a/q', 'a/q -> ../a/p'], 'a/p', undefined],
    ['.. after an unlisted component', ['a/x -> nothere/../..'], 'a/x', 'undecidable'],
    ['.. after a file component', ['a/f', 'a/x -> f/..'], 'a/x', 'undecidable'],
    ['.. after a listed directory', ['a/d/', 'a/x -> d/../..'], 'a/x', undefined],
    ['./ and // segments', ['a/d/', 'a/x -> ./d//.././../a'], 'a/x', undefined],
  ];
  it.each(table)('%s', (_name, lines, path, expected) => {
    const entries = listing(...lines);
    const entry = entries.get(path);
    expect(entry?.kind).toBe('symlink');
    expect(symlinkEscape(entries, path, entry?.kind === 'symlink' ? entry.target : '')).toBe(expected);
  });

  it('bounds the hops of a long chain (40 allowed, 41 not when a .. follows)', () => {
    const links = (n: number): string[] => [...Array.from({ length: n }, (_, i) => `l${i} -> l${i + 1}`), `l${n}/`];
    expect(symlinkEscape(listing(...links(41)), 'x', 'l1/..')).toBeUndefined();
    expect(symlinkEscape(listing(...links(42)), 'x', 'l1/..')).toBe('too-many-hops');
    expect(symlinkEscape(listing(...links(42)), 'x', 'l1/name')).toBeUndefined();
  });

  it('symlinksLeavingRoot lists only the escaping links', () => {
    expect([...symlinksLeavingRoot(listing(...chain, 'ok -> a'))]).toEqual([['a/b/c/d/x', 'leaves-root']]);
  });

  it('withoutEscapingLinks keeps the same map when nothing escapes and moves escapes to problems', () => {
    const safe = listing('ok -> a', 'a/');
    expect(withoutEscapingLinks(safe, []).entries).toBe(safe);
    const hostile = listing(...chain);
    const result = withoutEscapingLinks(hostile, []);
    expect(result.entries.has('a/b/c/d/x')).toBe(false);
    expect(result.entries.has('a/b/c/d/up')).toBe(true);
    expect(hostile.has('a/b/c/d/x')).toBe(true);
    expect(result.problems).toEqual([expect.objectContaining({ path: 'a/b/c/d/x', reason: 'symlink-outside-root' })]);
  });

  it('checkListing halts on the chain (it passed the lexical check before)', () => {
    const issue = checkListing({ root: 'directory', entries: listing(...chain), ignored: [], problems: [], limitExceeded: false });
    expect(issue).toMatchObject({ code: 'SymlinkTargetEscapes', path: 'a/b/c/d/x' });
    expect(issue?.message).toContain('"up/../../.."');
  });
});

describe('the host scanner on a real chain of links', () => {
  it('reports the chained escape as a problem, agreeing with realpath, and rescans decide again', async () => {
    const world = await mkdtemp(join(tmpdir(), 'boulder-chain-'));
    const root = join(world, 'root');
    try {
      await mkdir(join(root, 'a/b/c/d'), { recursive: true });
      await mkdir(join(root, 'z'));
      await symlink('../../../..', join(root, 'a/b/c/d/up'));
      await symlink('up/../../..', join(root, 'a/b/c/d/x'));
      // The kernel agrees: x resolves three levels above the root.
      expect(relative(await realpath(root), await realpath(join(root, 'a/b/c/d/x')))).toMatch(/^\.\./);
      const scanner = new LocalScanner(root, new DigestCache());
      const ignore = createIgnoreMatcher([]);
      const first = await scanner.scan({ ignore });
      expect(first.entries.get('a/b/c/d/up')).toEqual({ kind: 'symlink', target: '../../../..' });
      expect(first.entries.has('a/b/c/d/x')).toBe(false);
      expect(first.problems).toEqual([expect.objectContaining({ path: 'a/b/c/d/x', reason: 'symlink-outside-root' })]);
      // An accelerated rescan of an unrelated subtree still leaves x out.
      const again = await scanner.scan({ ignore, subtrees: ['z'] });
      expect(again.entries.has('a/b/c/d/x')).toBe(false);
      expect(again.problems.map((p) => p.path)).toContain('a/b/c/d/x');
    } finally {
      await rm(world, { recursive: true, force: true });
    }
  });
});
