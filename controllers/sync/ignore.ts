/**
 * Ignore rules in .gitignore syntax (one rules list for the whole sync root, as if it were the
 * root's .gitignore), matched by the `ignore` library (the matcher ESLint uses), which agrees with
 * `git ls-files --ignored` (ignore-git.test.ts): `#` comments, `!` negation (last matching rule
 * wins), a trailing `/` for directories only, a `/` at the start or in the middle anchors the
 * pattern to the root, `*`, `?`, `[...]`, and `**`. As in git, a path inside an ignored directory is
 * ignored whatever later rules say (`dir/*` + `!dir/keep` works, `dir/` + `!dir/keep` does not).
 * Matching is case-sensitive, as git's on Linux.
 */
import ignore, { type Ignore } from 'ignore';
import type { IgnoreMatcher } from './endpoint.ts';

/**
 * Ignored by default: version-control metadata (`.git` is a directory in a clone and a file in a
 * worktree), the daemon's Agent Trace records (`.agent-trace`, server/trace) and editor temporary files (Vim swap files and its `4913` probe, Emacs lock and backup
 * files, JetBrains safe-write files, macOS Finder metadata).
 */
export const DEFAULT_IGNORES: readonly string[] = [
  '.git',
  '.agent-trace',
  '*.swp',
  '*.swo',
  '.*.sw[a-px]',
  '*~',
  '.#*',
  '4913',
  '.DS_Store',
  '*___jb_tmp___',
  '*___jb_old___',
];

/** Options of `createIgnoreMatcher`. */
export interface IgnoreMatcherOptions {
  /**
   * Prepend `DEFAULT_IGNORES` to the user patterns and exclude every `.git` whatever the user
   * patterns say. Default true.
   */
  defaults?: boolean;
}

/**
 * The library caches every verdict (and every parent directory's) without bound; the matcher lives
 * as long as a sync engine, so it starts over with a fresh cache after this many lookups.
 */
const LOOKUPS_PER_CACHE = 200_000;

/**
 * Compiles user patterns (after the defaults, unless disabled) into a matcher. With the defaults, a
 * `.git` path segment (any letter case, as git itself refuses `.GIT` on case-insensitive disks) is
 * ignored even if a user pattern negates it: the SyncSession schema promises `.git` is always
 * excluded, so a workspace can never write a repository's hooks or config on the host.
 */
export function createIgnoreMatcher(patterns: readonly string[] = [], options: IgnoreMatcherOptions = {}): IgnoreMatcher {
  const defaults = options.defaults !== false;
  const all = [...(defaults ? DEFAULT_IGNORES : []), ...patterns];
  const compile = (): Ignore => ignore({ ignorecase: false, allowRelativePaths: true }).add(all);
  let rules = compile();
  let lookups = 0;
  return {
    patterns: all,
    ignores(path: string, isDirectory: boolean): boolean {
      if (path === '') return false;
      if (defaults && hasGitSegment(path)) return true;
      if (++lookups > LOOKUPS_PER_CACHE) {
        rules = compile();
        lookups = 0;
      }
      // The library tells a directory by its trailing slash (directory-only rules apply to it).
      return rules.ignores(isDirectory ? `${path}/` : path);
    },
  };
}

/** True when a segment of the `/`-separated `path` is `.git` in any letter case. */
function hasGitSegment(path: string): boolean {
  return path.split('/').some((segment) => segment.length === 4 && segment.toLowerCase() === '.git');
}
