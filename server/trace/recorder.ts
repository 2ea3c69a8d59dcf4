/**
 * The daemon's Agent Trace recorder: after a file operation or a command through the API, by a
 * token that carries a contributor claim, it appends one record to `.agent-trace/traces.jsonl`
 * at the worktree root (the layout of the spec's reference implementation). Only the content
 * before the write is read on the call's path; the diff, validation and append run right after the
 * reply (setImmediate, in call order), and never fail the operation they record: an error is
 * logged and counted (`failures`). The directory gets its own
 * `.gitignore` (`*`) when boulder creates it, so `git add -A` leaves the traces out unless the
 * project commits its own `.agent-trace/.gitignore` (boulder never replaces an existing one);
 * sync ignores `.agent-trace` by default (controllers/sync/ignore.ts).
 */
import type { Logger } from 'pino';
import { packageVersion } from '../../apis/package-root.ts';
import { SafeRoot } from '../methods/files/safe-fs.ts';
import { diffLines, splitLines, type Hunk } from './line-diff.ts';
import { buildRecord, contentHash, rangesOf, recordValidator, SHELL_HISTORY_PATH, type BoulderTraceMetadata, type TokenContributor, type TraceRange } from './record.ts';
import { worktreeHead } from './git-head.ts';

/** Directory of the traces, relative to the worktree root. */
export const TRACE_DIR = '.agent-trace';
/** The traces file, relative to the worktree root. */
export const TRACES_FILE = `${TRACE_DIR}/traces.jsonl`;
/** Largest file diffed (bigger or binary content is attributed as a whole). */
export const MAX_DIFF_BYTES = 4 * 1024 * 1024;

/** Content of a file as the recorder sees it: text lines, or not diffable. */
export type TracedContent = { kind: 'text'; lines: string[] } | { kind: 'opaque'; lines: number } | { kind: 'absent' };

/** Turns bytes into TracedContent (binary: contains NUL; 'large': over MAX_DIFF_BYTES, lines not counted). */
export function tracedContent(bytes: Buffer | 'large' | undefined): TracedContent {
  if (bytes === undefined) return { kind: 'absent' };
  if (bytes === 'large') return { kind: 'opaque', lines: 0 };
  if (bytes.length > MAX_DIFF_BYTES) return tracedContent('large');
  if (bytes.includes(0)) {
    let lines = 0;
    for (const b of bytes) if (b === 10) lines++;
    return { kind: 'opaque', lines: Math.max(lines, bytes.length > 0 ? 1 : 0) };
  }
  return { kind: 'text', lines: splitLines(bytes.toString('utf8')) };
}

/** Reads `path` of `root` for the recorder (undefined when it is not a readable regular file; 'large' past MAX_DIFF_BYTES, unread). */
export function readForTrace(root: SafeRoot, path: string): Buffer | 'large' | undefined {
  try {
    const file = root.openForRead(path);
    try {
      if (file.size > MAX_DIFF_BYTES) return 'large';
      const buffer = Buffer.allocUnsafe(file.size);
      let got = 0;
      while (got < file.size) {
        const n = file.readSync(buffer, got, file.size - got, got);
        if (n === 0) break;
        got += n;
      }
      return buffer.subarray(0, got);
    } finally {
      file.close();
    }
  } catch {
    return undefined;
  }
}

/** boulder's package version (the record's tool when the token names none). */
export function boulderVersion(): string {
  try {
    return packageVersion();
  } catch {
    return '0.0.0';
  }
}

/** Who did it, for one record. */
export interface TraceActor {
  contributor: TokenContributor;
  tokenId: string;
  workspace: string;
}

/** The recorder (one per daemon); `recorded` and `failures` are counters for stats and tests. */
export class TraceRecorder {
  recorded = 0;
  failures = 0;
  /** Records scheduled and not yet written (deferred mode). */
  pending = 0;
  private readonly log: Logger | undefined;
  private readonly deferred: boolean;

  /** `deferred`: diff and append after the call returns (setImmediate, in order) instead of before. */
  constructor(log?: Logger, options: { deferred?: boolean } = {}) {
    this.log = log;
    this.deferred = options.deferred === true;
  }

  /** Records a write of `path` from `before` to `after`. */
  write(root: SafeRoot, actor: TraceActor, path: string, before: TracedContent, after: TracedContent): void {
    this.guard(root, path, () => {
      let ranges: TraceRange[];
      let hunks: Hunk[];
      const meta: BoulderTraceMetadata = { operation: 'write' };
      if (after.kind === 'text' && before.kind !== 'opaque') {
        hunks = diffLines(before.kind === 'text' ? before.lines : [], after.lines);
        ranges = rangesOf(hunks, after.lines);
        meta.lines = after.lines.length;
      } else {
        const lines = after.kind === 'text' ? after.lines.length : after.kind === 'opaque' ? after.lines : 0;
        const oldLines = before.kind === 'text' ? before.lines.length : before.kind === 'opaque' ? before.lines : 0;
        hunks = oldLines + lines > 0 ? [{ oldStart: 1, oldCount: oldLines, newStart: 1, newCount: lines }] : [];
        ranges = lines > 0 ? [{ start_line: 1, end_line: lines, ...(after.kind === 'text' ? { content_hash: contentHash(after.lines) } : {}) }] : [];
        meta.lines = lines;
        meta.whole = true;
      }
      meta.hunks = hunks.map((h) => [h.oldStart, h.oldCount, h.newStart, h.newCount]);
      return { path, ranges, meta };
    }, actor);
  }

  /** Records a rename (attribution moves with the content; no line is authored). */
  rename(root: SafeRoot, actor: TraceActor, from: string, to: string): void {
    this.guard(root, to, () => ({ path: to, ranges: [], meta: { operation: 'rename', from } }), actor);
  }

  /** Records a removal. */
  remove(root: SafeRoot, actor: TraceActor, path: string): void {
    this.guard(root, path, () => ({ path, ranges: [], meta: { operation: 'remove' } }), actor);
  }

  /** Records a command run through `exec.start` (pseudo-path `.shell-history`, argv in metadata). */
  exec(root: SafeRoot, actor: TraceActor, command: string[]): void {
    this.guard(root, SHELL_HISTORY_PATH, () => ({ path: SHELL_HISTORY_PATH, ranges: [], meta: { operation: 'exec', command } }), actor);
  }

  private guard(root: SafeRoot, path: string, describe: () => { path: string; ranges: TraceRange[]; meta: BoulderTraceMetadata }, actor: TraceActor): void {
    if (!this.deferred) return this.append(root, path, describe, actor);
    // Off the call's path: after the reply, in order, on the worktree opened again by its real path.
    const realRoot = root.realRoot;
    this.pending++;
    setImmediate(() => {
      this.pending--;
      let reopened: SafeRoot;
      try {
        reopened = SafeRoot.open(realRoot);
      } catch (err) {
        this.fail(err);
        return;
      }
      try {
        this.append(reopened, path, describe, actor);
      } finally {
        reopened.close();
      }
    });
  }

  private fail(err: unknown): void {
    this.failures++;
    this.log?.warn({ err: err instanceof Error ? err.message : String(err), failures: this.failures }, 'agent trace: a record could not be written (the operation itself succeeded)');
  }

  private append(root: SafeRoot, path: string, describe: () => { path: string; ranges: TraceRange[]; meta: BoulderTraceMetadata }, actor: TraceActor): void {
    try {
      if (path === TRACE_DIR || path.startsWith(`${TRACE_DIR}/`)) return;
      const { ranges, meta } = describe();
      meta.token = actor.tokenId;
      meta.workspace = actor.workspace;
      const revision = worktreeHead(root.realRoot);
      const record = buildRecord({ contributor: actor.contributor, path, ranges, meta, boulderVersion: boulderVersion(), ...(revision !== undefined ? { revision } : {}) });
      const invalid = recordValidator()(record);
      if (invalid.length > 0) throw new Error(`the record does not validate against the Agent Trace schema: ${invalid.join('; ')}`);
      const created = root.appendText(TRACES_FILE, `${JSON.stringify(record)}\n`);
      if (created) ensureGitignore(root);
      this.recorded++;
    } catch (err) {
      this.fail(err);
    }
  }
}

/** Writes `.agent-trace/.gitignore` (`*`) unless one exists (the project's opt-in to commit traces). */
function ensureGitignore(root: SafeRoot): void {
  try {
    root.stat(`${TRACE_DIR}/.gitignore`);
  } catch {
    root.appendText(`${TRACE_DIR}/.gitignore`, '# Written by boulder: Agent Trace records stay out of git add (commit your own .gitignore here to opt in).\n*\n');
  }
}

const recorders = new WeakMap<object, TraceRecorder>();

/** The recorder of a daemon (one per services object, logging to its logger). */
export function recorderFor(services: { logger: Logger }): TraceRecorder {
  let recorder = recorders.get(services);
  if (recorder === undefined) {
    recorder = new TraceRecorder(services.logger, { deferred: true });
    recorders.set(services, recorder);
  }
  return recorder;
}

/** The actor of a call whose token carries a contributor claim (undefined: nothing is recorded). */
export function actorOf(principal: { tokenId: string; contributor?: TokenContributor }, params: { workspace: string; namespace?: string }): TraceActor | undefined {
  if (principal.contributor === undefined) return undefined;
  return { contributor: principal.contributor, tokenId: principal.tokenId, workspace: `${params.namespace ?? 'default'}/${params.workspace}` };
}
