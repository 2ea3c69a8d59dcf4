/**
 * Builds the shell script that applies a batch of checked operations inside the container. Each
 * operation re-checks its expected entry (sha256 of a file, link target, kind) right before acting,
 * writes come from staged files (already on the same filesystem, inside a temp directory in the
 * root) that are verified against their digest, chmod-ed and then renamed into place (hard-linked
 * when nothing may exist at the target, so a file created meanwhile is never replaced; new files
 * of one directory are linked by one `ln` per 200 names instead of one process each, see
 * `stagingLayout`). No parent of a target is ever a symlink: every operation first checks each
 * component of its parent chain with `[ -L ]` before `[ -d ]` (`pok`), so nothing is written,
 * linked, moved, changed or removed through a link. The script prints one
 * `index<TAB>status<TAB>message` line per operation.
 */
import { isSameOrBelow, parentPath, type Entry, type Operation } from '../endpoint.ts';
import { shellQuote } from './shell-agent.ts';

const PRELUDE = `
r() { printf '%s\\t%s\\t%s\\n' "$1" "$2" "$3"; }
none() { [ ! -e "$1" ] && [ ! -L "$1" ]; }
xbit() { m=$(stat -c %a "$1") || return 1; case "$m" in *[1357]*) [ "$2" = 1 ];; *) [ "$2" = 0 ];; esac; }
isfile() { [ -f "$1" ] && [ ! -L "$1" ] && [ "$(sha256sum "$1" | cut -c1-64)" = "$2" ] && xbit "$1" "$3"; }
islink() { [ -L "$1" ] && [ "$(readlink "$1")" = "$2" ]; }
# repl SRC DST: rename SRC over DST, replacing a symlink (even one to a directory) instead of moving
# into what it points to; busybox's mv -T refuses a symlink to a directory, so that one is removed first.
repl() { mv -fT "$1" "$2" 2>/dev/null || { [ -L "$2" ] && rm -f "$2" && mv -f "$1" "$2"; }; }
isdir() { [ -d "$1" ] && [ ! -L "$1" ]; }
# pok ./a/b/name: every parent below the root (./a/b, ./a) is a real directory, checked with -L
# first so that no link is ever followed (\`[ -d ]\` alone follows one); never a subshell or a cd.
pok() { _pk="\${1%/*}"; while [ "$_pk" != . ]; do { [ ! -L "$_pk" ] && [ -d "$_pk" ]; } || return 1; _pk="\${_pk%/*}"; done; }
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

/** Where streamed writes are staged (relative to the stage dir) and which ones are placed together. */
export interface StagingLayout {
  /** Operation index → staged path of its bytes. */
  readonly staged: ReadonlyMap<number, string>;
  /** Operation index → the placement group it belongs to (groups hold ≥ 2 writes). */
  readonly groupOf: ReadonlyMap<number, PlacementGroup>;
  /** New directory trees staged whole, in order. */
  readonly blocks: readonly SubtreeBlock[];
  /** Operation index → the block it belongs to. */
  readonly blockOf: ReadonlyMap<number, SubtreeBlock>;
}

/**
 * A directory the batch creates (`mkdir`) followed by the creation of its content (`mkdir`s and
 * new files from the stream, nothing else): staged as a tree and renamed into place in one step
 * when nothing exists at the path (`mv -T`, which never moves into nor replaces a non-empty
 * directory); otherwise each operation is applied on its own from the same staged files.
 */
export interface SubtreeBlock {
  /** The new directory (relative to the root). */
  readonly dir: string;
  /** Stage subdirectory holding the tree (relative to the stage dir). */
  readonly stageDir: string;
  /** Operation indexes: the `mkdir` of `dir`, then the operations below it. */
  readonly ops: readonly number[];
  /** Directories below `dir` (relative to it) the tree holds. */
  readonly subdirs: readonly string[];
}

/** The block starting with the `mkdir` at `start`, if the operations after it qualify. */
function subtreeBlock(ops: readonly Operation[], start: number, stageDir: string): SubtreeBlock | undefined {
  const dir = (ops[start] as Operation).path;
  const members = [start];
  const subdirs: string[] = [];
  let writes = 0;
  for (let j = start + 1; j < ops.length; j++) {
    const op = ops[j] as Operation;
    if (op.path === dir || !isSameOrBelow(op.path, dir)) break;
    if (op.op === 'mkdir') subdirs.push(op.path.slice(dir.length + 1));
    else if (op.op === 'write' && op.source === 'stream' && op.expected === undefined) writes++;
    else break;
    members.push(j);
  }
  return writes === 0 ? undefined : { dir, stageDir, ops: members, subdirs };
}

/** New files of one directory staged under one stage subdirectory with their final names. */
export interface PlacementGroup {
  /** Target directory (relative to the root, `''` = the root). */
  readonly dir: string;
  /** Stage subdirectory (relative to the stage dir). */
  readonly stageDir: string;
  /** Operation indexes, in order. */
  readonly ops: readonly number[];
}

/**
 * Decides where every `stream` write is staged. Consecutive writes of new files (nothing may exist
 * at the target) are independent of each other, so those sharing a directory are staged under
 * their final names in one stage subdirectory and hard-linked into place by one `ln` per chunk
 * (`ln src… dir/` links each source by its name, never replaces, goes on after a failure); the
 * others are staged as `s<index>` and placed one by one. Pure.
 */
export function stagingLayout(ops: readonly Operation[]): StagingLayout {
  const staged = new Map<number, string>();
  const groupOf = new Map<number, PlacementGroup>();
  const groups: Array<{ dir: string; stageDir: string; ops: number[] }> = [];
  const blocks: SubtreeBlock[] = [];
  const blockOf = new Map<number, SubtreeBlock>();
  let run = new Map<string, { dir: string; stageDir: string; ops: number[] }>();
  let block: SubtreeBlock | undefined;
  ops.forEach((op, i) => {
    // Groups never straddle a block's boundary.
    if (block !== undefined && !blockOf.has(i)) {
      block = undefined;
      run = new Map();
    }
    if (block === undefined && op.op === 'mkdir' && op.path !== '') {
      block = subtreeBlock(ops, i, `t${blocks.length}`);
      if (block !== undefined) {
        blocks.push(block);
        for (const j of block.ops) blockOf.set(j, block);
        run = new Map();
      }
    }
    if (op.op !== 'write' || op.source !== 'stream' || op.expected !== undefined) {
      run = new Map();
      if (op.op === 'write' && op.source === 'stream') staged.set(i, `s${i}`);
      return;
    }
    const dir = parentPath(op.path);
    let group = run.get(dir);
    if (group === undefined) {
      const stageDir = block === undefined ? `g${groups.length}` : dir === block.dir ? block.stageDir : `${block.stageDir}/${dir.slice(block.dir.length + 1)}`;
      group = { dir, stageDir, ops: [] };
      groups.push(group);
      run.set(dir, group);
    }
    group.ops.push(i);
    staged.set(i, `${group.stageDir}/${op.path.slice(dir === '' ? 0 : dir.length + 1)}`);
  });
  for (const group of groups) if (group.ops.length >= 2) for (const i of group.ops) groupOf.set(i, group);
  return { staged, groupOf, blocks, blockOf };
}

/**
 * The script creating every directory of a stage before its archives are extracted: the stage
 * itself (plain `mkdir`, so a vanished sync root is never recreated), the block trees and the
 * parents of staged files. Two archives extracted at once must not both create a directory: GNU
 * tar then fails ("Unexpected inconsistency when making directory").
 */
export function stageDirsScript(stagePath: string, layout: StagingLayout): string {
  const dirs = new Set<string>();
  for (const block of layout.blocks) for (const dir of ['', ...block.subdirs]) dirs.add(`${block.stageDir}${dir === '' ? '' : `/${dir}`}`);
  for (const staged of layout.staged.values()) {
    for (let slash = staged.indexOf('/'); slash > 0; slash = staged.indexOf('/', slash + 1)) dirs.add(staged.slice(0, slash));
  }
  const below = [...dirs].map((d) => shellQuote(`${stagePath}/${d}`));
  return `{ [ -d ${shellQuote(stagePath)} ] || mkdir ${shellQuote(stagePath)}; }${below.length > 0 ? ` && mkdir -p ${below.join(' ')}` : ''}`;
}

/** Paths per `stat` command of the closing records (bounds the argument list). */
const STAT_CHUNK = 1000;

/** Names per `ln` command of a placement group (bounds the argument list). */
const LINK_CHUNK = 200;

/** The lines placing a group's writes (all but `mismatched`) and reporting each one. */
function placeGroup(group: PlacementGroup, ops: readonly Operation[], mismatched: ReadonlySet<number>): string[] {
  const lines: string[] = [];
  const members = group.ops.filter((i) => !mismatched.has(i));
  const target = shellQuote(group.dir === '' ? './' : `./${group.dir}/`);
  // The target directory and its parents must be real directories (`ln … dir/` would follow a link).
  const dirOk = group.dir === '' ? 'true' : `pok ${shellQuote(`./${group.dir}/x`)}`;
  for (let k = 0; k < members.length; k += LINK_CHUNK) {
    const sources = members.slice(k, k + LINK_CHUNK).map((i) => `"$S"/${shellQuote(`${group.stageDir}/${basename((ops[i] as Operation).path)}`)}`);
    lines.push(`${dirOk} && ln ${sources.join(' ')} ${target} 2>/dev/null`);
  }
  for (const i of members) {
    const q = shellQuote(`./${(ops[i] as Operation).path}`);
    const staged = `"$S"/${shellQuote(`${group.stageDir}/${basename((ops[i] as Operation).path)}`)}`;
    lines.push(`if pok ${q} && [ ${staged} -ef ${q} ]; then r ${i} ok; elif ! pok ${q}; then r ${i} changed 'parent missing'; else r ${i} changed 'could not place the file'; fi`);
  }
  return lines;
}

/**
 * The lines placing a block: its tree renamed into place when nothing is at its path (staged files
 * whose bytes did not match removed first), else every operation on its own (`opLines`).
 */
function placeBlock(block: SubtreeBlock, ops: readonly Operation[], layout: StagingLayout, mismatched: ReadonlySet<number>, opLines: (i: number) => string[]): string[] {
  const q = shellQuote(`./${block.dir}`);
  const bad = block.ops.filter((i) => mismatched.has(i) && layout.staged.has(i));
  const drop = bad.length === 0 ? '' : `rm -f ${bad.map((i) => `"$S"/${shellQuote(layout.staged.get(i) as string)}`).join(' ')}; `;
  return [
    `if none ${q} && pok ${q} && { ${drop}mv -T "$S"/${shellQuote(block.stageDir)} ${q} 2>/dev/null; }; then`,
    // Each path is checked after the move: a staged file that is missing (its staging failed)
    // must never be reported placed — the next scan would read that as a deletion.
    ...block.ops.map((i) => (mismatched.has(i) ? `r ${i} source-changed 'content changed during transfer'` : placedLine(i, ops[i] as Operation))),
    'else',
    ...block.ops.flatMap(opLines),
    'fi',
  ];
}

/** Reports operation `i` of a moved block ok when its path now holds what it made, else failed. */
function placedLine(i: number, op: Operation): string {
  const q = shellQuote(`./${op.path}`);
  const test = op.op === 'mkdir' ? `[ -d ${q} ]` : op.op === 'symlink' ? `[ -L ${q} ]` : `[ -e ${q} ] || [ -L ${q} ]`;
  return `if ${test}; then r ${i} ok; else r ${i} failed 'missing after the tree was moved into place'; fi`;
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * The script for `ops` against `root`, with staged files in `stage` (absolute) laid out as
 * `layout` says; `mismatched` marks stream writes (by operation index) whose bytes did not hash to
 * their digest or could not be read (they answer `source-changed`).
 */
export function applyScript(
  root: string,
  stage: string,
  ops: readonly Operation[],
  layout: StagingLayout,
  mismatched: ReadonlySet<number> = new Set(),
): string {
  const lines = [PRELUDE, `cd ${shellQuote(root)} || exit 3`, `S=${shellQuote(stage)}`];
  const placed = new Set<PlacementGroup>();
  const opLines = (i: number): string[] => {
    const op = ops[i] as Operation;
    const out: string[] = [];
    const p = `./${op.path}`;
    const q = shellQuote(p);
    switch (op.op) {
      case 'mkdir':
        out.push(op.path === '' ? `mkdir -p . && r ${i} ok || r ${i} failed mkdir` : `if isdir ${q}; then r ${i} ok; elif ! none ${q}; then r ${i} changed 'something else exists'; elif ! pok ${q}; then r ${i} changed 'parent missing'; elif mkdir ${q} 2>/dev/null; then r ${i} ok; else r ${i} failed 'mkdir failed'; fi`);
        break;
      case 'remove': {
        const act = op.expected.kind === 'directory' ? `rmdir ${q} 2>/dev/null` : `rm -f ${q}`;
        out.push(`if ! pok ${q}; then r ${i} changed 'parent missing or a symlink'; elif ! ${check(p, op.expected)}; then r ${i} changed 'target changed'; elif ${act}; then r ${i} ok; else r ${i} failed 'could not remove (not empty?)'; fi`);
        break;
      }
      case 'chmod':
        out.push(`if ! pok ${q}; then r ${i} changed 'parent missing or a symlink'; elif ! ${check(p, op.expected)}; then r ${i} changed 'target changed'; elif chmod ${op.executable ? 755 : 644} ${q}; then r ${i} ok; else r ${i} failed chmod; fi`);
        break;
      case 'symlink': {
        const tmp = `"$S/l${i}"`;
        out.push(`if ! pok ${q}; then r ${i} changed 'parent missing'; elif ! ${check(p, op.expected)}; then r ${i} changed 'target changed'; elif ln -s -- ${shellQuote(op.target)} ${tmp} && repl ${tmp} ${q}; then r ${i} ok; else r ${i} failed 'symlink failed'; fi`);
        break;
      }
      case 'write': {
        if (mismatched.has(i)) {
          out.push(`r ${i} source-changed 'content changed during transfer'`);
          break;
        }
        const group = layout.groupOf.get(i);
        if (group !== undefined) {
          // The whole group is placed at its first member (its writes are consecutive).
          if (!placed.has(group)) out.push(...placeGroup(group, ops, mismatched));
          placed.add(group);
          break;
        }
        const stagedPath = layout.staged.get(i);
        const staged = stagedPath === undefined ? `"$S/c${i}"` : `"$S"/${shellQuote(stagedPath)}`;
        // Streamed bytes were verified on the host while staging (mode set in the tar header);
        // local copies are verified here.
        const prepare =
          typeof op.source === 'object'
            ? `cp ${shellQuote(`./${op.source.copyFrom}`)} ${staged} 2>/dev/null && [ "$(sha256sum ${staged} | cut -c1-64)" = ${op.digest} ] && chmod ${op.executable ? 755 : 644} ${staged}`
            : `[ -f ${staged} ]`;
        const place = op.expected === undefined ? `ln ${staged} ${q} 2>/dev/null` : `repl ${staged} ${q}`;
        out.push(
          `if ! pok ${q}; then r ${i} changed 'parent missing'; ` +
            `elif ! ${prepare}; then r ${i} source-changed 'content changed during transfer'; ` +
            `elif ! ${check(p, op.expected)}; then r ${i} changed 'target changed'; ` +
            `elif ${place}; then r ${i} ok; ` +
            `else r ${i} ${op.expected === undefined ? 'changed' : 'failed'} 'could not place the file'; fi`,
        );
        break;
      }
    }
    return out;
  };
  const blocksDone = new Set<SubtreeBlock>();
  ops.forEach((_op, i) => {
    const block = layout.blockOf.get(i);
    if (block === undefined) lines.push(...opLines(i));
    else if (!blocksDone.has(block)) {
      blocksDone.add(block);
      lines.push(...placeBlock(block, ops, layout, mismatched, opLines));
    }
  });
  lines.push('rm -rf "$S"', ...ownStatLines(root, ops), 'true');
  return lines.join('\n');
}

/**
 * The end of an apply script: the stat keys of what changed (and their directories), taken once
 * the stage is gone (its links no longer change the files' ctime): the poll watcher skips our own
 * changes, and the scan trusts the digests of the files it placed (see `ownStats`).
 */
function ownStatLines(root: string, ops: readonly Operation[]): string[] {
  const touched = new Set<string>();
  for (const op of ops) {
    touched.add(op.path === '' ? '.' : `./${op.path}`);
    const slash = op.path.lastIndexOf('/');
    touched.add(slash < 0 ? '.' : `./${op.path.slice(0, slash)}`);
  }
  const paths = [...touched].map((t) => shellQuote(t === '.' ? root : `${root}/${t.slice(2)}`));
  const lines = [`T=$(printf '\\t')`, `printf '%s\\n' ${RESULTS_END}`];
  for (let k = 0; k < paths.length; k += STAT_CHUNK) lines.push(`stat -c "K$T%y|%z|%s$T%i$T%Y$T%n$T//" ${paths.slice(k, k + STAT_CHUNK).join(' ')} 2>/dev/null`);
  return lines;
}

/**
 * The line between an apply script's results and its `K` records: results are read only before it,
 * so a file name printed in a record can never pass for a result line.
 */
export const RESULTS_END = '__nexus_results_end__';

/** One `K` record of an apply script's output: the state of a path after the batch. */
export interface OwnStat {
  /** The poll watcher's key (`%y|%z|%s`). */
  watchKey: string;
  /** The scan's key (size/mtime/ctime/inode, as in `parseListing`). */
  scanKey: string;
  size: number;
  /** mtime in whole seconds (`%Y`). */
  mtimeSeconds: number;
  /**
   * True when the mtime is shown with nanoseconds, all zero: it was set from a tar header, not by
   * a write (a file system or `stat` without sub-second times never counts).
   */
  wholeSecond: boolean;
}

/** The `K` records of an apply script's output, by absolute path. */
export function ownStats(output: string): Map<string, OwnStat> {
  const stats = new Map<string, OwnStat>();
  for (const record of output.split('\t//\n')) {
    const start = record.lastIndexOf('\nK\t');
    const body = start >= 0 ? record.slice(start + 3) : record.startsWith('K\t') ? record.slice(2) : undefined;
    if (body === undefined) continue;
    const [watchKey, ino, seconds, ...name] = body.split('\t');
    if (watchKey === undefined || ino === undefined || seconds === undefined || name.length === 0) continue;
    const [mtime = '', ctime = '', size = ''] = watchKey.split('|');
    stats.set(name.join('\t'), {
      watchKey,
      scanKey: `${size}/${mtime}/${ctime}/${ino}`,
      size: Number(size),
      mtimeSeconds: Number(seconds),
      wholeSecond: /:\d\d\.0{9}\b/.test(mtime),
    });
  }
  return stats;
}
