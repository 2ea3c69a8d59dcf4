/**
 * `boulder trace blame FILE[:LINE]`: who wrote a line, per the Agent Trace spec's line tracking —
 * `git blame` of the file (at HEAD) gives, per line, the commit that last touched it and the
 * line's number and path in that commit; that commit's note (`refs/notes/agent-trace`, written by
 * `boulder trace attach`) holds the ranges; the range containing the line names the contributor,
 * model and conversation.
 */
import { gitOk } from './git.ts';
import { noteOf } from './attach.ts';
import type { TraceRecord } from './record.ts';

/** The attribution of one line. */
export interface BlameLine {
  line: number;
  revision: string;
  /** Path and line number in `revision`. */
  path: string;
  originalLine: number;
  text: string;
  /** null when no trace covers the line. */
  contributor: { type: string; model_id?: string } | null;
  conversation?: string;
  record?: string;
}

/** Parses `git blame --porcelain` output. */
function parsePorcelain(out: string): Array<{ revision: string; originalLine: number; line: number; path: string; text: string }> {
  const result: Array<{ revision: string; originalLine: number; line: number; path: string; text: string }> = [];
  const paths = new Map<string, string>();
  let current: { revision: string; originalLine: number; line: number } | undefined;
  for (const row of out.split('\n')) {
    const header = /^([0-9a-f]{40,64}) (\d+) (\d+)/.exec(row);
    if (header !== null && current === undefined) {
      current = { revision: header[1] as string, originalLine: Number(header[2]), line: Number(header[3]) };
      continue;
    }
    if (current === undefined) continue;
    if (row.startsWith('filename ')) paths.set(current.revision, row.slice('filename '.length));
    else if (row.startsWith('\t')) {
      result.push({ ...current, path: paths.get(current.revision) ?? '', text: row.slice(1) });
      current = undefined;
    }
  }
  return result;
}

/** The attribution of `file` (relative to `cwd`), all lines or only `line`. */
export async function blame(cwd: string, file: string, line?: number): Promise<BlameLine[]> {
  const args = ['blame', '--porcelain', ...(line !== undefined ? ['-L', `${line},${line}`] : []), 'HEAD', '--', file];
  const rows = parsePorcelain(await gitOk(cwd, args));
  const top = (await gitOk(cwd, ['rev-parse', '--show-toplevel'])).trim();
  const notes = new Map<string, TraceRecord | undefined>();
  const out: BlameLine[] = [];
  for (const row of rows) {
    if (!notes.has(row.revision)) notes.set(row.revision, await noteOf(top, row.revision));
    const note = notes.get(row.revision);
    const entry: BlameLine = { line: row.line, revision: row.revision, path: row.path, originalLine: row.originalLine, text: row.text, contributor: null };
    for (const conversation of note?.files.find((f) => f.path === row.path)?.conversations ?? []) {
      const range = conversation.ranges.find((r) => r.start_line <= row.originalLine && row.originalLine <= r.end_line);
      if (range === undefined) continue;
      entry.contributor = range.contributor ?? conversation.contributor ?? { type: 'unknown' };
      if (conversation.url !== undefined) entry.conversation = conversation.url;
      if (note !== undefined) entry.record = note.id;
      break;
    }
    out.push(entry);
  }
  return out;
}
