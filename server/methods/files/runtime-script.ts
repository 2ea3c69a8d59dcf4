/**
 * The in-runtime half of the file methods for a workspace without a worktree (files only inside
 * its Pod, Sprite or container): one POSIX `sh` script, run through the provider's `exec` (the
 * same one `boulder exec` uses) with the workspace folder as working directory, and the pure
 * parsers of what it prints. Needs `sh`, `stat -c`, `find`, `head`, `tail`, `readlink`,
 * `sha256sum`, `dd`, `mv`, `rm` (busybox or coreutils).
 *
 * Trust: the runtime is untrusted. Every path is validated on the daemon side
 * (`controllers/fs/relative-path.ts`) and passed as argv (never spliced into the script). The
 * script walks to the parent directory one component at a time, testing `-L` on each before
 * `cd -P` into it (like the sync apply script's `pok`), creating missing ones only where asked,
 * then checks with `pwd -P` that the directory it holds (its cwd) lies inside the folder's real
 * path; the last component is acted on relative to that cwd. A final symlink is never written
 * through, and is read only when it resolves inside the folder. The script's exit code names the
 * failure (`EXIT`); everything it prints is parsed strictly and bounded by the caller (a
 * compromised runtime can lie about its own files, never make the daemon read or hold more).
 * What remains: the walk is check-then-act in a shell, so a process inside the runtime racing it
 * could swap a component between the check and the use — it would only reach files of that same
 * runtime, which such a process can read anyway.
 */
import { checkRelativePath } from '../../../controllers/fs/relative-path.ts';
import type { EntryInfo, EntryType } from './safe-fs.ts';

/** Exit codes of the script, by meaning. */
export const EXIT = {
  notFound: 10,
  escapes: 11,
  exists: 12,
  parentNotDirectory: 13,
  isDirectory: 14,
  notRegular: 15,
  precondition: 16,
  failed: 17,
  integrity: 18,
  notDirectory: 19,
  noFolder: 20,
} as const;

/**
 * The script: `sh -c SCRIPT nexus-fs OP ARGS…`, in the workspace folder. Ops (PARENT: the
 * directory part of a path, '' for the folder; NAME: its last component):
 * - `stat PARENT NAME HASH` → `<mode hex> <size> <mtime s>\n`, then `H <sha256>\n` (HASH=1, a
 *   regular file), then `T <target>` (a symlink);
 * - `list PARENT NAME DEPTH LIMIT` → `<mode hex> <size> <mtime s> ./<path>\n`… (names holding a
 *   newline are skipped), then `--links--\n` and `./<path>\n<target>\n` pairs;
 * - `read PARENT NAME OFFSET LENGTH` → `OK <size>\n` then the bytes;
 * - `put PARENT NAME TEMP CREATE` ← stdin: writes TEMP beside NAME from length-prefixed frames
 *   (`<n>\n` + n bytes, `0\n` ends: the Pod sync's framing, controllers/sync/kubernetes/framing.ts,
 *   since a Pod exec's stdin may never end);
 * - `commit PARENT NAME TEMP SHA IFMATCH`: TEMP must hash to SHA; IFMATCH `*` (none), `` (NAME
 *   must not exist) or a sha256 of NAME's content (else `H <current>\n` and exit 16); then
 *   `mv TEMP NAME` (atomic), keeping NAME's mode;
 * - `abort PARENT TEMP`, `mkdir PARENT NAME PARENTS`, `remove PARENT NAME RECURSIVE`,
 *   `rename FROMPARENT FROMNAME TOPARENT TONAME OVERWRITE`.
 * The op's status is reported in-band, as the last line of stderr (`nexus-fs-rc <code>`): not
 * every kubelet reports a command's exit code (kwok's turns any failure into an internal error).
 * (Written with `@{` for the shell's `${`, which a template literal would take.)
 */
export const RUNTIME_FS_SCRIPT = String.raw`
set -u
unset CDPATH
NL='
'
RR=$(pwd -P) || exit 20
[ "$RR" = / ] && RR=
inside() { case "$(pwd -P)/" in "$RR"/*) return 0;; esac; exit 11; }
walk() {
  rest=$1
  while [ -n "$rest" ]; do
    case $rest in */*) c=@{rest%%/*}; rest=@{rest#*/};; *) c=$rest; rest=;; esac
    [ -L "./$c" ] && exit 11
    if [ ! -e "./$c" ]; then
      [ "$2" = 1 ] || exit 10
      mkdir -- "./$c" 2>/dev/null || [ -d "./$c" ] || exit 17
      [ -L "./$c" ] && exit 11
    fi
    [ -d "./$c" ] || exit 13
    cd -P -- "./$c" || exit 17
  done
  inside
}
sha() { sha256sum < "$1" | { read -r h _ && printf '%s' "$h"; }; }
main() {
op=$1; shift
case $op in
stat)
  walk "$1" 0
  n=./$2; [ -z "$2" ] && n=.
  [ -e "$n" ] || [ -L "$n" ] || exit 10
  stat -c '%f %s %Y' -- "$n" || exit 17
  if [ "$3" = 1 ] && [ -f "$n" ] && [ ! -L "$n" ]; then printf 'H %s\n' "$(sha "$n")"; fi
  if [ -L "$n" ]; then printf 'T %s' "$(readlink -- "$n")"; fi
  ;;
list)
  walk "$1" 0
  if [ -n "$2" ]; then
    [ -L "./$2" ] && exit 11
    [ -e "./$2" ] || exit 10
    [ -d "./$2" ] || exit 19
    cd -P -- "./$2" || exit 17
    inside
  fi
  find . -mindepth 1 -maxdepth "$3" ! -name "*$NL*" -exec stat -c '%f %s %Y %n' -- {} + 2>/dev/null | head -n "$4"
  echo --links--
  find . -mindepth 1 -maxdepth "$3" -type l ! -name "*$NL*" 2>/dev/null | head -n "$4" | while IFS= read -r f; do
    t=$(readlink -- "$f") || continue
    case $t in *"$NL"*) continue;; esac
    printf '%s\n%s\n' "$f" "$t"
  done
  ;;
read)
  walk "$1" 0
  f=./$2
  if [ -L "$f" ]; then
    t=$(readlink -f -- "$f") || exit 11
    case $t in "$RR"/*) f=$t;; *) exit 11;; esac
  fi
  [ -e "$f" ] || exit 10
  [ -d "$f" ] && exit 14
  [ -f "$f" ] || exit 15
  size=$(stat -L -c %s -- "$f") || exit 17
  printf 'OK %s\n' "$size"
  if [ "$3" = 0 ]; then head -c "$4" -- "$f"; else tail -c "+$(($3 + 1))" -- "$f" | head -c "$4"; fi
  ;;
put)
  walk "$1" "$4"
  [ -L "./$2" ] && exit 11
  [ -d "./$2" ] && exit 14
  (set -C; : > "./$3") 2>/dev/null || exit 12
  while IFS= read -r k && [ "$k" != 0 ]; do
    case $k in ''|*[!0-9]*) exit 17;; esac
    dd bs="$k" count=1 iflag=fullblock 2>/dev/null || exit 17
  done >> "./$3" || { rm -f -- "./$3"; exit 17; }
  ;;
commit)
  walk "$1" 0
  [ -L "./$3" ] && exit 11
  [ -f "./$3" ] || exit 10
  [ "$(sha "./$3")" = "$4" ] || { rm -f -- "./$3"; exit 18; }
  [ -L "./$2" ] && { rm -f -- "./$3"; exit 11; }
  [ -d "./$2" ] && { rm -f -- "./$3"; exit 14; }
  if [ "$5" != '*' ]; then
    cur=; [ -f "./$2" ] && cur=$(sha "./$2")
    [ "$cur" = "$5" ] || { rm -f -- "./$3"; [ -n "$cur" ] && printf 'H %s\n' "$cur"; exit 16; }
  fi
  [ -f "./$2" ] && chmod "$(stat -c %a -- "./$2")" "./$3" 2>/dev/null
  mv -f -- "./$3" "./$2" || { rm -f -- "./$3"; exit 17; }
  ;;
abort)
  walk "$1" 0
  rm -f -- "./$2"
  ;;
mkdir)
  walk "$1" "$3"
  mkdir -- "./$2" 2>/dev/null && exit 0
  [ "$3" = 1 ] && [ -d "./$2" ] && [ ! -L "./$2" ] && exit 0
  [ -e "./$2" ] || [ -L "./$2" ] && exit 12
  exit 17
  ;;
remove)
  walk "$1" 0
  [ -e "./$2" ] || [ -L "./$2" ] || exit 10
  if [ -d "./$2" ] && [ ! -L "./$2" ]; then
    if [ "$3" = 1 ]; then rm -rf -- "./$2" || exit 17; else rmdir -- "./$2" 2>/dev/null || exit 12; fi
  else
    rm -f -- "./$2" || exit 17
  fi
  ;;
rename)
  from=$(walk "$1" 0; [ -e "./$2" ] || [ -L "./$2" ] || exit 10; pwd -P) || exit $?
  walk "$3" 0
  if [ -e "./$4" ] || [ -L "./$4" ]; then
    [ "$5" = 1 ] || exit 12
    [ -d "./$4" ] && [ ! -L "./$4" ] && exit 14
  fi
  mv -f -- "$from/$2" "./$4" || exit 17
  ;;
*) exit 2;;
esac
}
(main "$@"); rc=$?
printf '\nnexus-fs-rc %s\n' "$rc" >&2
`.replaceAll('@{', '$' + '{');

/**
 * The status the script reported at the end of `stderr` and what it wrote before it (for
 * messages); undefined when the script did not finish (never ran, or was cut off).
 */
export function parseStatus(stderr: string): { code: number; message: string } | undefined {
  const match = /(?:^|\n)nexus-fs-rc (\d{1,3})\n$/.exec(stderr);
  if (match === null) return undefined;
  return { code: Number(match[1]), message: stderr.slice(0, match.index) };
}

/** Splits a validated relative path into its parent ('' for the folder) and last component. */
export function splitPath(path: string): { parent: string; name: string } {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? { parent: '', name: path } : { parent: path.slice(0, slash), name: path.slice(slash + 1) };
}

const STAT_LINE = /^([0-9a-f]{1,8}) (\d{1,16}) (-?\d{1,16})$/;
const LIST_LINE = /^([0-9a-f]{1,8}) (\d{1,16}) (-?\d{1,16}) \.\/(.+)$/;
const SHA256 = /^[0-9a-f]{64}$/;
/** Farthest mtime accepted (seconds either side of the epoch): keeps Date valid. */
const MAX_MTIME_S = 8_640_000_000_000;

/** Raised when the runtime's answer does not parse. */
export class UntrustedOutputError extends Error {}

function typeOfMode(mode: number): EntryType {
  switch (mode & 0o170000) {
    case 0o100000:
      return 'file';
    case 0o040000:
      return 'directory';
    case 0o120000:
      return 'symlink';
    default:
      return 'other';
  }
}

function entryOf(path: string, modeHex: string, size: string, mtime: string): EntryInfo {
  const mode = Number.parseInt(modeHex, 16);
  const bytes = Number(size);
  const seconds = Number(mtime);
  if (!Number.isSafeInteger(bytes) || !Number.isSafeInteger(seconds) || Math.abs(seconds) > MAX_MTIME_S) throw new UntrustedOutputError('the runtime reported an impossible size or time');
  return { path, type: typeOfMode(mode), size: bytes, mode: mode & 0o7777, mtime: new Date(seconds * 1000).toISOString() };
}

/** Parses the `stat` op's output for `path`. */
export function parseStat(path: string, output: string): EntryInfo & { sha256?: string } {
  const newline = output.indexOf('\n');
  const first = newline < 0 ? output : output.slice(0, newline);
  const match = STAT_LINE.exec(first);
  if (match === null) throw new UntrustedOutputError('the runtime answered stat with something that does not parse');
  const info: EntryInfo & { sha256?: string } = entryOf(path, match[1] as string, match[2] as string, match[3] as string);
  let rest = newline < 0 ? '' : output.slice(newline + 1);
  if (rest.startsWith('H ')) {
    const end = rest.indexOf('\n');
    const hash = rest.slice(2, end < 0 ? undefined : end);
    if (!SHA256.test(hash)) throw new UntrustedOutputError('the runtime answered a hash that is not a sha256');
    if (info.type === 'file') info.sha256 = hash;
    rest = end < 0 ? '' : rest.slice(end + 1);
  }
  if (rest.startsWith('T ')) {
    if (info.type === 'symlink') info.target = rest.slice(2);
  } else if (rest !== '') {
    throw new UntrustedOutputError('the runtime answered stat with trailing output');
  }
  return info;
}

/** Parses an `H <sha256>` line (the current hash reported by a failed compare-and-swap), if any. */
export function parseHashLine(output: string): string | undefined {
  const match = /^H ([0-9a-f]{64})\n?$/.exec(output);
  return match === null ? undefined : (match[1] as string);
}

/**
 * Parses the `list` op's output for directory `prefix` ('' for the folder): entries breadth first
 * (by depth, then name), at most `limit`; entries whose names do not validate are dropped.
 */
export function parseList(prefix: string, output: string, depth: number, limit: number): { entries: EntryInfo[]; truncated: boolean } {
  const lines = output.split('\n');
  const marker = lines.indexOf('--links--');
  if (marker < 0) throw new UntrustedOutputError('the runtime answered list without its end marker');
  const byPath = new Map<string, EntryInfo>();
  const base = prefix === '' ? '' : `${prefix}/`;
  for (const line of lines.slice(0, marker)) {
    const match = LIST_LINE.exec(line);
    if (match === null) {
      if (line === '') continue;
      throw new UntrustedOutputError('the runtime answered list with a line that does not parse');
    }
    const relative = match[4] as string;
    if (checkRelativePath(relative) !== undefined || relative.split('/').length > depth) continue;
    const path = `${base}${relative}`;
    if (checkRelativePath(path) !== undefined) continue;
    byPath.set(path, entryOf(path, match[1] as string, match[2] as string, match[3] as string));
  }
  const links = lines.slice(marker + 1);
  for (let i = 0; i + 1 < links.length; i += 2) {
    const name = links[i] as string;
    if (!name.startsWith('./')) continue;
    const entry = byPath.get(`${base}${name.slice(2)}`);
    if (entry?.type === 'symlink') entry.target = links[i + 1] as string;
  }
  const sorted = [...byPath.values()].sort((a, b) => {
    const da = a.path.split('/').length;
    const db = b.path.split('/').length;
    return da - db || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  });
  return { entries: sorted.slice(0, limit), truncated: sorted.length > limit };
}

/** Parses the `OK <size>` header of the `read` op; undefined until a whole line arrived. */
export function parseReadHeader(head: Buffer): { size: number; headerBytes: number } | undefined {
  const newline = head.indexOf(0x0a);
  if (newline < 0) {
    if (head.length > 64) throw new UntrustedOutputError('the runtime answered read with an oversized header');
    return undefined;
  }
  const match = /^OK (\d{1,16})$/.exec(head.subarray(0, newline).toString('latin1'));
  const size = match === null ? NaN : Number(match[1]);
  if (!Number.isSafeInteger(size)) throw new UntrustedOutputError('the runtime answered read with a header that does not parse');
  return { size, headerBytes: newline + 1 };
}
