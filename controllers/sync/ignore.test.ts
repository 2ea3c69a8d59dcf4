import { describe, expect, it } from 'vitest';
import { createIgnoreMatcher, DEFAULT_IGNORES } from './ignore.ts';

const file = false;
const dir = true;

describe('createIgnoreMatcher defaults', () => {
  const m = createIgnoreMatcher();

  it('ignores .git as a directory (clone) and as a file (worktree), with everything inside', () => {
    expect(m.ignores('.git', dir)).toBe(true);
    expect(m.ignores('.git', file)).toBe(true);
    expect(m.ignores('.git/objects/ab/cdef', file)).toBe(true);
    expect(m.ignores('sub/.git', file)).toBe(true);
    expect(m.ignores('.github/workflows/ci.yml', file)).toBe(false);
    expect(m.ignores('.gitignore', file)).toBe(false);
  });

  it('ignores editor temp files anywhere', () => {
    for (const path of ['a.swp', 'src/.main.ts.swp', 'src/.main.ts.swx', 'notes.txt~', 'src/.#lock', 'src/4913', '.DS_Store', 'x/y.ts___jb_tmp___']) {
      expect(m.ignores(path, file), path).toBe(true);
    }
    for (const path of ['swp', 'a.swpx', '49130', 'src/main.ts', 'README.md']) {
      expect(m.ignores(path, file), path).toBe(false);
    }
  });

  it('can be disabled', () => {
    const bare = createIgnoreMatcher([], { defaults: false });
    expect(bare.ignores('.git', dir)).toBe(false);
    expect(bare.patterns).toEqual([]);
    expect(m.patterns).toEqual(DEFAULT_IGNORES);
  });

  it('keeps every .git excluded even when a user pattern negates it, in any letter case', () => {
    const negating = createIgnoreMatcher(['!.git', '!.git/**', '!**/.git/']);
    for (const path of ['.git', '.git/hooks/pre-commit', 'sub/.git', 'sub/.GIT/config', '.Git']) {
      expect(negating.ignores(path, file), path).toBe(true);
      expect(negating.ignores(path, dir), path).toBe(true);
    }
    expect(negating.ignores('x.git', file)).toBe(false);
    expect(negating.ignores('.gitx/a', file)).toBe(false);
  });

  it('gives the same verdicts after its cache starts over', () => {
    const m2 = createIgnoreMatcher(['*.log', '!keep.log', 'out/']);
    for (let i = 0; i < 210_000; i++) m2.ignores(`d${i % 1000}/f${i}.txt`, false);
    expect(m2.ignores('a/b.log', file)).toBe(true);
    expect(m2.ignores('a/keep.log', file)).toBe(false);
    expect(m2.ignores('x/out', dir)).toBe(true);
    expect(m2.ignores('x/out', file)).toBe(false);
  });

  it('never ignores the root', () => {
    expect(createIgnoreMatcher(['*']).ignores('', dir)).toBe(false);
  });
});

describe('gitignore syntax', () => {
  it('matches unanchored names at any depth and anchored paths only from the root', () => {
    const m = createIgnoreMatcher(['*.log', '/build', 'docs/tmp'], { defaults: false });
    expect(m.ignores('a.log', file)).toBe(true);
    expect(m.ignores('deep/er/a.log', file)).toBe(true);
    expect(m.ignores('build', dir)).toBe(true);
    expect(m.ignores('build/out.js', file)).toBe(true);
    expect(m.ignores('src/build', dir)).toBe(false);
    expect(m.ignores('docs/tmp', file)).toBe(true);
    expect(m.ignores('x/docs/tmp', file)).toBe(false);
  });

  it('applies directory-only patterns to directories and their content, not to files of that name', () => {
    const m = createIgnoreMatcher(['node_modules/', 'out/'], { defaults: false });
    expect(m.ignores('node_modules', dir)).toBe(true);
    expect(m.ignores('pkg/node_modules/x/index.js', file)).toBe(true);
    expect(m.ignores('out', file)).toBe(false);
    expect(m.ignores('out', dir)).toBe(true);
  });

  it('lets the last matching rule win and supports negation of files', () => {
    const m = createIgnoreMatcher(['*.log', '!keep.log', 'logs/*', '!logs/important.txt'], { defaults: false });
    expect(m.ignores('a.log', file)).toBe(true);
    expect(m.ignores('keep.log', file)).toBe(false);
    expect(m.ignores('sub/keep.log', file)).toBe(false);
    expect(m.ignores('logs/x.txt', file)).toBe(true);
    expect(m.ignores('logs/important.txt', file)).toBe(false);
    expect(m.ignores('logs', dir)).toBe(false);
  });

  it('cannot re-include a file whose parent directory is excluded (as git)', () => {
    const m = createIgnoreMatcher(['cache/', '!cache/keep.txt'], { defaults: false });
    expect(m.ignores('cache/keep.txt', file)).toBe(true);
  });

  it('lets user patterns negate a default', () => {
    const m = createIgnoreMatcher(['!4913']);
    expect(m.ignores('4913', file)).toBe(false);
  });

  it('supports ** in leading, trailing and middle position', () => {
    const m = createIgnoreMatcher(['**/gen', 'vendor/**', 'a/**/z.txt'], { defaults: false });
    expect(m.ignores('gen', dir)).toBe(true);
    expect(m.ignores('x/y/gen', file)).toBe(true);
    expect(m.ignores('vendor', dir)).toBe(false);
    expect(m.ignores('vendor/lib/a.go', file)).toBe(true);
    expect(m.ignores('a/z.txt', file)).toBe(true);
    expect(m.ignores('a/b/c/z.txt', file)).toBe(true);
    expect(m.ignores('b/a/z.txt', file)).toBe(false);
  });

  it('supports ?, character classes, ranges and negated classes without crossing /', () => {
    const m = createIgnoreMatcher(['file?.txt', 'v[0-9].bin', 'x[!a].dat'], { defaults: false });
    expect(m.ignores('file1.txt', file)).toBe(true);
    expect(m.ignores('file12.txt', file)).toBe(false);
    expect(m.ignores('v7.bin', file)).toBe(true);
    expect(m.ignores('vx.bin', file)).toBe(false);
    expect(m.ignores('xb.dat', file)).toBe(true);
    expect(m.ignores('xa.dat', file)).toBe(false);
    expect(createIgnoreMatcher(['a?b'], { defaults: false }).ignores('a/b', file)).toBe(false);
    expect(createIgnoreMatcher(['a*b'], { defaults: false }).ignores('a/b', file)).toBe(false);
  });

  it('handles comments, blank lines, escapes and trailing spaces', () => {
    const blank = createIgnoreMatcher(['# comment', '   ', ''], { defaults: false });
    expect(blank.ignores('# comment', file)).toBe(false);
    expect(blank.ignores('   ', file)).toBe(false);
    const m = createIgnoreMatcher(['\\#notes', '\\!bang', 'trail   ', 'sp\\ ', 'a.b', '(x)+'], { defaults: false });
    expect(m.ignores('#notes', file)).toBe(true);
    expect(m.ignores('!bang', file)).toBe(true);
    expect(m.ignores('trail', file)).toBe(true);
    expect(m.ignores('sp ', file)).toBe(true);
    expect(m.ignores('aXb', file)).toBe(false);
    expect(m.ignores('(x)+', file)).toBe(true);
  });
});
