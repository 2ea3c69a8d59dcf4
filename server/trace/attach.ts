/**
 * `boulder trace attach`: turns the working records of a commit into one Agent Trace record about
 * that commit, stored as its git note under `refs/notes/agent-trace`. The records in
 * `.agent-trace/traces.jsonl` whose `vcs.revision` is the commit's parent are the edits made on
 * top of it; their hunks (metadata `dev.boulder.hunks`) are replayed, in order, onto a per-line
 * attribution of each file (starting from the parent's lines, attributed to nobody), following
 * renames and removals. The result is checked against the commit's content (same number of
 * lines) and written as ranges in the commit's line numbers, each with the content hash of its
 * lines at the commit — so `git blame` + the note answer who wrote a line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { splitLines } from './line-diff.ts';
import { gitOk, git, showFile } from './git.ts';
import { AGENT_TRACE_VERSION, contentHash, METADATA_KEY, recordValidator, type BoulderTraceMetadata, type TraceConversation, type TraceRecord } from './record.ts';
import { randomUUID } from 'node:crypto';
import { boulderVersion, TRACES_FILE } from './recorder.ts';

/** The notes ref boulder writes. */
export const NOTES_REF = 'refs/notes/agent-trace';

/** Who wrote a line in the replay (null: not written by a recorded edit). */
interface LineOwner {
  contributor: { type: string; model_id?: string };
  url?: string;
  record: string;
}

/** The outcome of an attach. */
export interface AttachResult {
  commit: string;
  /** The note's record, or undefined when there was nothing to attach. */
  record?: TraceRecord;
  /** Records used. */
  used: number;
  /** Files whose replay did not match the commit (edited outside the API): left out. */
  skipped: string[];
}

/** Parses traces.jsonl text into records (bad lines are skipped). */
export function parseTraces(text: string): TraceRecord[] {
  const out: TraceRecord[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as TraceRecord);
    } catch {
      // Not a record: validate reports it.
    }
  }
  return out;
}

function metaOf(record: TraceRecord): BoulderTraceMetadata | undefined {
  return record.metadata?.[METADATA_KEY] as BoulderTraceMetadata | undefined;
}

/**
 * Replays the records of the commit's parent in order: the line owners of every file written,
 * renamed or removed through the API, the commands run, and the files edited outside the API
 * meanwhile (their hunks no longer fit).
 */
async function replayRecords(top: string, parent: string | undefined, records: readonly TraceRecord[]) {
  const files = new Map<string, Array<LineOwner | null>>();
  const diverged = new WeakSet<object>();
  const commands: Array<{ record: string; command: string[]; contributor?: unknown }> = [];
  const fileAt = async (path: string): Promise<Array<LineOwner | null>> => {
    let owners = files.get(path);
    if (owners === undefined) {
      const content = parent === undefined ? undefined : await showFile(top, parent, path);
      owners = new Array<LineOwner | null>(content === undefined ? 0 : splitLines(content).length).fill(null);
      files.set(path, owners);
    }
    return owners;
  };
  for (const record of records) {
    const meta = metaOf(record);
    const file = record.files[0];
    const conversation = file?.conversations[0];
    if (meta === undefined || file === undefined || conversation === undefined) continue;
    if (meta.operation === 'exec') {
      commands.push({ record: record.id, command: meta.command ?? [], ...(conversation.contributor !== undefined ? { contributor: conversation.contributor } : {}) });
      continue;
    }
    if (meta.operation === 'rename' && meta.from !== undefined) {
      files.set(file.path, await fileAt(meta.from));
      files.delete(meta.from);
      continue;
    }
    if (meta.operation === 'remove') {
      files.set(file.path, []);
      continue;
    }
    if (meta.operation !== 'write') continue;
    const owners = await fileAt(file.path);
    const owner: LineOwner = { contributor: conversation.contributor ?? { type: 'unknown' }, record: record.id, ...(conversation.url !== undefined ? { url: conversation.url } : {}) };
    for (const [oldStart, oldCount, , newCount] of [...(meta.hunks ?? [])].reverse()) owners.splice(oldStart - 1, oldCount, ...new Array<LineOwner>(newCount).fill(owner));
    // Hunks of a file edited outside the API meanwhile do not fit: its attribution is unknown.
    if (meta.lines !== undefined && owners.length !== meta.lines) diverged.add(owners);
  }
  return { files, diverged, commands };
}

/** The conversations of one file's lines: runs of lines of one record, grouped by contributor and URL. */
function conversationsOf(owners: readonly (LineOwner | null)[], lines: readonly string[]): TraceConversation[] {
  const conversations = new Map<string, TraceConversation>();
  for (let i = 0; i < owners.length; ) {
    const owner = owners[i];
    if (owner === null || owner === undefined) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < owners.length && owners[j]?.record === owner.record) j++;
    const key = JSON.stringify([owner.contributor, owner.url ?? '']);
    let conversation = conversations.get(key);
    if (conversation === undefined) {
      conversation = { ...(owner.url !== undefined ? { url: owner.url } : {}), contributor: owner.contributor, ranges: [] };
      conversations.set(key, conversation);
    }
    conversation.ranges.push({ start_line: i + 1, end_line: j, content_hash: contentHash(lines.slice(i, j)) });
    i = j;
  }
  return [...conversations.values()];
}

/** Builds (and, unless `dryRun`, stores) the note of `commit` in the repository at `cwd`. */
export async function attachCommit(cwd: string, commitish = 'HEAD', options: { dryRun?: boolean } = {}): Promise<AttachResult> {
  const top = (await gitOk(cwd, ['rev-parse', '--show-toplevel'])).trim();
  const commit = (await gitOk(top, ['rev-parse', '--verify', `${commitish}^{commit}`])).trim();
  const parentRun = await git(top, ['rev-parse', '--verify', '-q', `${commit}^1`]);
  const parent = parentRun.code === 0 ? parentRun.stdout.trim() : undefined;
  let text = '';
  try {
    text = readFileSync(join(top, TRACES_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const records = parseTraces(text).filter((r) => (parent === undefined ? r.vcs === undefined : r.vcs?.revision === parent));
  const { files, diverged, commands } = await replayRecords(top, parent, records);
  const entries: TraceRecord['files'] = [];
  const skipped: string[] = [];
  for (const [path, owners] of files) {
    if (!owners.some((o) => o !== null)) continue;
    const content = await showFile(top, commit, path);
    if (content === undefined) continue;
    const lines = splitLines(content);
    if (lines.length !== owners.length || diverged.has(owners)) {
      skipped.push(path);
      continue;
    }
    entries.push({ path, conversations: conversationsOf(owners, lines) });
  }
  if (entries.length === 0 && commands.length === 0) return { commit, used: records.length, skipped };
  const record: TraceRecord = {
    version: AGENT_TRACE_VERSION,
    id: randomUUID(),
    timestamp: new Date().toISOString(),
    vcs: { type: 'git', revision: commit },
    tool: { name: 'boulder', version: boulderVersion() },
    files: entries,
    metadata: { [METADATA_KEY]: { operation: 'attach', records: records.map((r) => r.id), ...(commands.length > 0 ? { commands } : {}), ...(skipped.length > 0 ? { skipped } : {}) } },
  };
  const invalid = recordValidator()(record);
  if (invalid.length > 0) throw new Error(`the note record does not validate: ${invalid.join('; ')}`);
  if (options.dryRun !== true) await gitOk(top, ['notes', '--ref', NOTES_REF, 'add', '-f', '-F', '-', commit], `${JSON.stringify(record)}\n`);
  return { commit, record, used: records.length, skipped };
}

/** The note record of `revision`, or undefined. */
export async function noteOf(cwd: string, revision: string): Promise<TraceRecord | undefined> {
  const r = await git(cwd, ['notes', '--ref', NOTES_REF, 'show', revision]);
  if (r.code !== 0) return undefined;
  try {
    return JSON.parse(r.stdout) as TraceRecord;
  } catch {
    return undefined;
  }
}
