/**
 * The .gitignore matcher against git itself: for each rule set, the files `git ls-files --others
 * --ignored` lists in a real tree (git's own verdict, parent-directory exclusion included) must be
 * exactly the files `createIgnoreMatcher` ignores. The same table is the acceptance test for
 * replacing the matcher with a library (see README.md, design notes: libraries).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createIgnoreMatcher } from './ignore.ts';

const run = promisify(execFile);

/** Every file of the tree (directories are implied); names git and the matcher find awkward included. */
const FILES = [
  'a.log', 'keep.log', 'sub/keep.log', 'logs/x.txt', 'logs/important.txt', 'cache/keep.txt', 'cache/other',
  'x/y/gen', 'gen/f', 'vendor/lib/a.go', 'a/z.txt', 'a/b/c/z.txt', 'b/a/z.txt', 'file1.txt', 'file12.txt',
  'v7.bin', 'vx.bin', 'xb.dat', 'xa.dat', 'yb.dat', 'yc.dat', '#notes', '!bang', 'trail', 'sp ', 'aXb', 'a.b',
  '(x)+', 'build/out.js', 'src/build/o', 'docs/tmp', 'x/docs/tmp', 'pkg/node_modules/x/index.js', 'out/f',
  'outfile', '4913', 'x.TXT', 'x.txt', 'A1', 'a1', '[', 'a[b', '...', 'd/...', 'st*r', 'plain', 'keep.txt',
  'y.txt', 'dir/x/y', 'dir/z/w', 'dir/f', 'q/b/c', 'zz', 'za', 'q[a-c', 'qa', 'Makefile', 'src/Main.ts',
];

/** Rule sets, each checked on its own. */
const RULE_SETS: Record<string, string[]> = {
  'negation, last rule wins': ['*.log', '!keep.log', 'logs/*', '!logs/important.txt'],
  'no re-including inside an excluded directory': ['cache/', '!cache/keep.txt'],
  '** leading, trailing, middle': ['**/gen', 'vendor/**', 'a/**/z.txt'],
  '?, ranges and negated classes': ['file?.txt', 'v[0-9].bin', 'x[!a].dat', 'y[^b].dat'],
  'escapes, comments and trailing spaces': ['# comment', '', '\\#notes', '\\!bang', 'trail   ', 'sp\\ ', 'a.b', '(x)+'],
  'anchoring and directory-only rules': ['/build', 'docs/tmp', 'node_modules/', 'out/'],
  'case-sensitive': ['*.TXT', 'A*', 'makefile', 'src/main.ts'],
  'anchored wildcard with an exception': ['/*.txt', '!/keep.txt'],
  'directory-only ** with an exception': ['dir/**/', '!dir/x/'],
  'escaped wildcard': ['\\*', 'st\\*r'],
  'odd brackets': ['z[z-a]', '[', 'a[b', 'q[a-c'],
  'a directory anywhere': ['**/b/**'],
  'dots only': ['...'],
  'everything but directories and .txt': ['*', '!*/', '!*.txt'],
  'wildcards do not cross /': ['a?b', 'a*b'],
};

const root = mkdtempSync(join(tmpdir(), 'boulder-ignore-git-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('createIgnoreMatcher agrees with git', () => {
  it.each(Object.entries(RULE_SETS))('%s', async (title, rules) => {
    const repo = join(root, title.replace(/[^a-z0-9]+/gi, '-'));
    for (const file of FILES) {
      mkdirSync(join(repo, dirname(file)), { recursive: true });
      writeFileSync(join(repo, file), '');
    }
    await run('git', ['init', '-q', repo]);
    const rulesFile = join(root, `${title.replace(/[^a-z0-9]+/gi, '-')}.rules`);
    writeFileSync(rulesFile, `${rules.join('\n')}\n`);
    const { stdout } = await run('git', ['-c', 'core.ignorecase=false', 'ls-files', '--others', '--ignored', `--exclude-from=${rulesFile}`, '-z'], { cwd: repo });
    const byGit = stdout.split('\0').filter((p) => p !== '').sort();
    const matcher = createIgnoreMatcher(rules, { defaults: false });
    const byMatcher = FILES.filter((file) => matcher.ignores(file, false)).sort();
    expect(byMatcher).toEqual(byGit);
  });
});
