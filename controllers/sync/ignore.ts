/**
 * Ignore rules in .gitignore syntax (one rules list for the whole sync root, as if it were the
 * root's .gitignore): `#` comments, `!` negation (last matching rule wins), a trailing `/` for
 * directories only, a `/` at the start or in the middle anchors the pattern to the root, `*`, `?`,
 * `[...]`, and `**` as a whole segment (`**\/x`, `x/**`, `a/**\/b`). As in git, a path inside an
 * ignored directory is ignored whatever later rules say: a directory's content cannot be
 * re-included once the directory itself is excluded (`dir/*` + `!dir/keep` works, `dir/` +
 * `!dir/keep` does not).
 */
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

/** One compiled rule. */
interface Rule {
  regex: RegExp;
  negate: boolean;
  directoryOnly: boolean;
}

/** Options of `createIgnoreMatcher`. */
export interface IgnoreMatcherOptions {
  /** Prepend `DEFAULT_IGNORES` to the user patterns. Default true. */
  defaults?: boolean;
}

/** Compiles user patterns (after the defaults, unless disabled) into a matcher. */
export function createIgnoreMatcher(patterns: readonly string[] = [], options: IgnoreMatcherOptions = {}): IgnoreMatcher {
  const all = [...(options.defaults === false ? [] : DEFAULT_IGNORES), ...patterns];
  const rules = all.map(compileIgnorePattern).filter((rule): rule is Rule => rule !== undefined);
  const directoryVerdicts = new Map<string, boolean>();

  const matchesOwnRules = (path: string, isDirectory: boolean): boolean => {
    let ignored = false;
    for (const rule of rules) {
      if (rule.negate !== ignored) continue; // cannot change the verdict
      if (rule.directoryOnly && !isDirectory) continue;
      if (rule.regex.test(path)) ignored = !rule.negate;
    }
    return ignored;
  };

  const directoryIgnored = (path: string): boolean => {
    const cached = directoryVerdicts.get(path);
    if (cached !== undefined) return cached;
    const slash = path.lastIndexOf('/');
    const verdict = (slash >= 0 && directoryIgnored(path.slice(0, slash))) || matchesOwnRules(path, true);
    if (directoryVerdicts.size > 100_000) directoryVerdicts.clear();
    directoryVerdicts.set(path, verdict);
    return verdict;
  };

  return {
    patterns: all,
    ignores(path: string, isDirectory: boolean): boolean {
      if (path === '') return false;
      if (isDirectory) return directoryIgnored(path);
      const slash = path.lastIndexOf('/');
      if (slash >= 0 && directoryIgnored(path.slice(0, slash))) return true;
      return matchesOwnRules(path, false);
    },
  };
}

/** Compiles one .gitignore line; undefined for blank lines and comments. */
export function compileIgnorePattern(line: string): Rule | undefined {
  let pattern = trimTrailingSpaces(line);
  if (pattern === '' || pattern.startsWith('#')) return undefined;
  let negate = false;
  if (pattern.startsWith('!')) {
    negate = true;
    pattern = pattern.slice(1);
  } else if (pattern.startsWith('\\!') || pattern.startsWith('\\#')) {
    pattern = pattern.slice(1);
  }
  let directoryOnly = false;
  if (pattern.endsWith('/') && !pattern.endsWith('\\/')) {
    directoryOnly = true;
    pattern = pattern.replace(/\/+$/, '');
  }
  if (pattern === '') return undefined;
  const anchored = pattern.includes('/');
  if (pattern.startsWith('/')) pattern = pattern.replace(/^\/+/, '');
  if (pattern === '') return undefined;
  const body = globToRegexSource(pattern);
  const source = anchored ? `^${body}$` : `^(?:.*/)?${body}$`;
  return { regex: new RegExp(source), negate, directoryOnly };
}

/** Removes trailing spaces that are not escaped with a backslash. */
function trimTrailingSpaces(line: string): string {
  let end = line.length;
  while (end > 0 && (line[end - 1] === ' ' || line[end - 1] === '\r' || line[end - 1] === '\t')) {
    if (line[end - 1] === ' ' && end >= 2 && line[end - 2] === '\\') break;
    end--;
  }
  return line.slice(0, end);
}

/** Translates a glob (segments separated by `/`) into a regular expression body. */
function globToRegexSource(glob: string): string {
  const segments = glob.split('/');
  let out = '';
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string;
    const first = i === 0;
    const last = i === segments.length - 1;
    if (segment === '**') {
      if (last && first) out += '.*';
      else if (last) out += '/.*';
      else if (first) out += '(?:.*/)?';
      else out += '/(?:.*/)?';
      continue;
    }
    if (!first && !out.endsWith('/') && !out.endsWith('(?:.*/)?')) out += '/';
    out += segmentToRegexSource(segment);
  }
  return out;
}

/** Translates one path segment's wildcards (`*`, `?`, `[...]`, `\x`) into regex source. */
function segmentToRegexSource(segment: string): string {
  let out = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i] as string;
    if (c === '\\' && i + 1 < segment.length) {
      out += escapeRegexChar(segment[++i] as string);
    } else if (c === '*') {
      while (segment[i + 1] === '*') i++;
      out += '[^/]*';
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '[') {
      const close = findClassEnd(segment, i);
      // As git's wildmatch: a bracket that is never closed makes the whole pattern match nothing.
      if (close < 0) return NEVER;
      let inner = segment.slice(i + 1, close);
      let negated = false;
      if (inner.startsWith('!') || inner.startsWith('^')) {
        negated = true;
        inner = inner.slice(1);
      }
      const body = classBody(inner.replace(/\\(.)/g, '$1'));
      out += negated ? `[^/${body}]` : `[${body}]`;
      i = close;
    } else {
      out += escapeRegexChar(c);
    }
  }
  return out;
}

/** A regular expression body that matches nothing. */
const NEVER = '(?!)';

/**
 * The regex body of a bracket expression's (unescaped) members: characters and `a-z` ranges; a
 * reversed range (`z-a`) matches only its first character, as in git (never an invalid regex).
 */
function classBody(members: string): string {
  const escape = (ch: string): string => (/[\\\]^[-]/.test(ch) ? `\\${ch}` : ch);
  let out = '';
  for (let k = 0; k < members.length; k++) {
    const first = members[k] as string;
    const last = members[k + 2];
    if (members[k + 1] === '-' && last !== undefined) {
      out += first <= last ? `${escape(first)}-${escape(last)}` : escape(first);
      k += 2;
    } else {
      out += escape(first);
    }
  }
  return out;
}

/** Index of the `]` closing the class that opens at `start`, or -1. */
function findClassEnd(segment: string, start: number): number {
  let i = start + 1;
  if (segment[i] === '!' || segment[i] === '^') i++;
  if (segment[i] === ']') i++;
  for (; i < segment.length; i++) {
    if (segment[i] === '\\') i++;
    else if (segment[i] === ']') return i;
  }
  return -1;
}

/** Escapes a character that is special in a regular expression. */
function escapeRegexChar(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}
