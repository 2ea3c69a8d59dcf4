/**
 * Builds the shell script that applies a batch of checked operations inside the container. Each
 * operation re-checks its expected entry (sha256 of a file, link target, kind) right before acting,
 * writes come from staged files (already on the same filesystem, inside a temp directory in the
 * root) that are verified against their digest, chmod-ed and then renamed into place (hard-linked
 * when nothing may exist at the target, so a file created meanwhile is never replaced). The
 * script prints one `index<TAB>status<TAB>message` line per operation.
 */
import type { Entry, Operation } from '../endpoint.ts';
import { shellQuote } from './shell-agent.ts';

const PRELUDE = `
r() { printf '%s\\t%s\\t%s\\n' "$1" "$2" "$3"; }
none() { [ ! -e "$1" ] && [ ! -L "$1" ]; }
xbit() { m=$(stat -c %a "$1") || return 1; case "$m" in *[1357]*) [ "$2" = 1 ];; *) [ "$2" = 0 ];; esac; }
isfile() { [ -f "$1" ] && [ ! -L "$1" ] && [ "$(sha256sum "$1" | cut -c1-64)" = "$2" ] && xbit "$1" "$3"; }
islink() { [ -L "$1" ] && [ "$(readlink "$1")" = "$2" ]; }
isdir() { [ -d "$1" ] && [ ! -L "$1" ]; }
pok() { [ -d "\${1%/*}" ]; }
`;

/** The shell test for "`path` holds `expected`". */
function check(path: string, expected: Entry | undefined): string {
  const q = shellQuote(path);
  if (expected === undefined) return `none ${q}`;
  switch (expected.kind) {
    case 'file':
      return `isfile ${q} ${expected.digest} ${expected.executable ? 1 : 0}`;
    case 'symlink':
      return `islink ${q} ${shellQuote(expected.target)}`;
    case 'directory':
      return `isdir ${q}`;
  }
}

/** Where the staged bytes of the `n`th stream write live (relative to the stage dir). */
export function stagedName(n: number): string {
  return `s${n}`;
}

/**
 * The script for `ops` against `root`, with staged files in `stage` (absolute). `streamIndex`
 * maps an operation index to its staged file number; `skipped` marks stream writes whose source
 * could not be read (they answer `source-changed`).
 */
export function applyScript(
  root: string,
  stage: string,
  ops: readonly Operation[],
  streamIndex: ReadonlyMap<number, number>,
  mismatched: ReadonlySet<number> = new Set(),
): string {
  const lines = [PRELUDE, `cd ${shellQuote(root)} || exit 3`, `S=${shellQuote(stage)}`];
  ops.forEach((op, i) => {
    const p = `./${op.path}`;
    const q = shellQuote(p);
    switch (op.op) {
      case 'mkdir':
        lines.push(op.path === '' ? `mkdir -p . && r ${i} ok || r ${i} failed mkdir` : `if isdir ${q}; then r ${i} ok; elif ! none ${q}; then r ${i} changed 'something else exists'; elif ! pok ${q}; then r ${i} changed 'parent missing'; elif mkdir ${q} 2>/dev/null; then r ${i} ok; else r ${i} failed 'mkdir failed'; fi`);
        break;
      case 'remove': {
        const act = op.expected.kind === 'directory' ? `rmdir ${q} 2>/dev/null` : `rm -f ${q}`;
        lines.push(`if ! ${check(p, op.expected)}; then r ${i} changed 'target changed'; elif ${act}; then r ${i} ok; else r ${i} failed 'could not remove (not empty?)'; fi`);
        break;
      }
      case 'chmod':
        lines.push(`if ! ${check(p, op.expected)}; then r ${i} changed 'target changed'; elif chmod ${op.executable ? 755 : 644} ${q}; then r ${i} ok; else r ${i} failed chmod; fi`);
        break;
      case 'symlink': {
        const tmp = `"$S/l${i}"`;
        lines.push(`if ! pok ${q}; then r ${i} changed 'parent missing'; elif ! ${check(p, op.expected)}; then r ${i} changed 'target changed'; elif ln -s ${shellQuote(op.target)} ${tmp} && mv -f ${tmp} ${q}; then r ${i} ok; else r ${i} failed 'symlink failed'; fi`);
        break;
      }
      case 'write': {
        const n = streamIndex.get(i);
        if (n !== undefined && mismatched.has(n)) {
          lines.push(`r ${i} source-changed 'content changed during transfer'`);
          break;
        }
        const staged = n === undefined ? `"$S/c${i}"` : `"$S/${stagedName(n)}"`;
        // Streamed bytes were verified on the host while staging (mode set in the tar header);
        // local copies are verified here.
        const prepare =
          typeof op.source === 'object'
            ? `cp ${shellQuote(`./${op.source.copyFrom}`)} ${staged} 2>/dev/null && [ "$(sha256sum ${staged} | cut -c1-64)" = ${op.digest} ] && chmod ${op.executable ? 755 : 644} ${staged}`
            : `[ -f ${staged} ]`;
        const place = op.expected === undefined ? `ln ${staged} ${q} 2>/dev/null` : `mv -f ${staged} ${q}`;
        lines.push(
          `if ! pok ${q}; then r ${i} changed 'parent missing'; ` +
            `elif ! ${prepare}; then r ${i} source-changed 'content changed during transfer'; ` +
            `elif ! ${check(p, op.expected)}; then r ${i} changed 'target changed'; ` +
            `elif ${place}; then r ${i} ok; ` +
            `else r ${i} ${op.expected === undefined ? 'changed' : 'failed'} 'could not place the file'; fi`,
        );
        break;
      }
    }
  });
  lines.push('rm -rf "$S"');
  // Stat keys of what changed (and their directories), so the poll watcher skips our own changes.
  const touched = new Set<string>();
  for (const op of ops) {
    touched.add(op.path === '' ? '.' : `./${op.path}`);
    const slash = op.path.lastIndexOf('/');
    touched.add(slash < 0 ? '.' : `./${op.path.slice(0, slash)}`);
  }
  const paths = [...touched].map((t) => shellQuote(t === '.' ? root : `${root}/${t.slice(2)}`));
  for (let k = 0; k < paths.length; k += 200) lines.push(`stat -c "K$(printf '\\t')%y|%z|%s$(printf '\\t')%n$(printf '\\t')//" ${paths.slice(k, k + 200).join(' ')} 2>/dev/null`);
  lines.push('true');
  return lines.join('\n');
}
