/**
 * Which git names a manifest may use, as pure functions: validation rejects the rest at apply time,
 * the worktree code checks again before it runs git (an object may reach the store another way).
 */

/**
 * True when `branch` is a valid git branch name (the rules of `git check-ref-format --branch`
 * for a plain name: no control characters, space, `~^:?*[\`, `..`, `@{`, `//`; no leading `-`,
 * `/` or `.` in any component; no trailing `/`, `.` or `.lock`; not `@`).
 */
export function isValidBranchName(branch: string): boolean {
  if (branch === '' || branch === '@' || branch.length > 255) return false;
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(branch)) return false;
  if (branch.includes('..') || branch.includes('@{') || branch.includes('//')) return false;
  if (branch.startsWith('-') || branch.startsWith('/') || branch.endsWith('/') || branch.endsWith('.')) return false;
  return branch.split('/').every((part) => part !== '' && !part.startsWith('.') && !part.endsWith('.lock'));
}

/** Why `ref` cannot be passed to git as a revision (an option, a NUL or a line break), or undefined. */
export function revisionProblem(ref: string): string | undefined {
  if (ref.startsWith('-')) return 'must not start with "-" (git would read it as an option)';
  if (/[\0\n\r]/.test(ref)) return 'must not contain a NUL character or a line break';
  return undefined;
}
