/**
 * Agent Trace records (agent-trace.dev, spec 0.1.0; schema vendored in
 * schemas/agent-trace/trace-record.schema.json): their TypeScript shape, how boulder builds one
 * for a file operation or a command run through the daemon API, and the validator every record is
 * checked with before it is written. Ranges are the lines the operation added or replaced in the
 * new content (1-indexed, inclusive), each with a content hash of its lines so attribution can
 * follow code that moves; the old-side hunks go in `metadata["dev.boulder"].hunks` so `boulder
 * trace attach` can replay a series of edits onto a commit.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { packageRoot } from '../../apis/package-root.ts';
import type { Hunk } from './line-diff.ts';

/** The spec version boulder writes (the schema wants X.Y.Z; the spec's reference code writes "1.0", which fails it). */
export const AGENT_TRACE_VERSION = '0.1.0';
/** Path of the vendored schema inside the package. */
export const TRACE_SCHEMA_PATH = 'schemas/agent-trace/trace-record.schema.json';
/** Vendor key of boulder's metadata in a record. */
export const METADATA_KEY = 'dev.boulder';
/** Pseudo-path commands are recorded against (as the spec's reference implementation does). */
export const SHELL_HISTORY_PATH = '.shell-history';

/** Contributor types a token may carry. */
export const CONTRIBUTOR_TYPES = ['ai', 'human', 'mixed'] as const;
/** A contributor type a token may carry. */
export type ContributorType = (typeof CONTRIBUTOR_TYPES)[number];

/** The attribution claim of a token (`boulder token create --contributor …`). */
export interface TokenContributor {
  type: ContributorType;
  /** models.dev `provider/model`. */
  modelId?: string;
  conversationUrl?: string;
  tool?: { name: string; version: string };
}

/** A range of an Agent Trace record. */
export interface TraceRange {
  start_line: number;
  end_line: number;
  content_hash?: string;
  contributor?: { type: string; model_id?: string };
}

/** One conversation of a file entry. */
export interface TraceConversation {
  url?: string;
  contributor?: { type: string; model_id?: string };
  ranges: TraceRange[];
  related?: Array<{ type: string; url: string }>;
}

/** An Agent Trace record. */
export interface TraceRecord {
  version: string;
  id: string;
  timestamp: string;
  vcs?: { type: 'git' | 'jj' | 'hg' | 'svn'; revision: string };
  tool?: { name?: string; version?: string };
  files: Array<{ path: string; conversations: TraceConversation[] }>;
  metadata?: Record<string, unknown>;
}

/** What boulder keeps under `metadata["dev.boulder"]`. */
export interface BoulderTraceMetadata {
  operation: 'write' | 'rename' | 'remove' | 'exec' | 'attach';
  /** The API token id (never the token). */
  token?: string;
  workspace?: string;
  /** Hunks `[oldStart, oldCount, newStart, newCount]` of a write. */
  hunks?: Array<[number, number, number, number]>;
  /** Lines of the file after the operation. */
  lines?: number;
  /** rename: the old path. */
  from?: string;
  /** exec: the command's argv. */
  command?: string[];
  /** true when the content was not diffed (binary or too large): the ranges cover the whole file. */
  whole?: boolean;
}

/** The content hash of some lines: `sha256:` and the first 16 hex digits. */
export function contentHash(lines: readonly string[]): string {
  return `sha256:${createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16)}`;
}

/** The ranges (in new-line numbers) that `hunks` added or replaced in `after`, with content hashes. */
export function rangesOf(hunks: readonly Hunk[], after: readonly string[]): TraceRange[] {
  return hunks
    .filter((h) => h.newCount > 0)
    .map((h) => ({ start_line: h.newStart, end_line: h.newStart + h.newCount - 1, content_hash: contentHash(after.slice(h.newStart - 1, h.newStart - 1 + h.newCount)) }));
}

/** What a record is about. */
export interface RecordInput {
  contributor: TokenContributor;
  path: string;
  ranges: TraceRange[];
  meta: BoulderTraceMetadata;
  revision?: string;
  /** boulder's version (the tool when the token names none). */
  boulderVersion: string;
  now?: Date;
}

/** Builds a record (see the module comment). */
export function buildRecord(input: RecordInput): TraceRecord {
  const c = input.contributor;
  const conversation: TraceConversation = {
    ...(c.conversationUrl !== undefined ? { url: c.conversationUrl } : {}),
    contributor: { type: c.type, ...(c.modelId !== undefined ? { model_id: c.modelId } : {}) },
    ranges: input.ranges,
  };
  return {
    version: AGENT_TRACE_VERSION,
    id: randomUUID(),
    timestamp: (input.now ?? new Date()).toISOString(),
    ...(input.revision !== undefined ? { vcs: { type: 'git' as const, revision: input.revision } } : {}),
    tool: c.tool ?? { name: 'boulder', version: input.boulderVersion },
    files: [{ path: input.path, conversations: [conversation] }],
    metadata: { [METADATA_KEY]: input.meta },
  };
}

/** A compiled validator: `errors` is empty for a valid record. */
export type RecordValidator = (record: unknown) => string[];

let compiled: RecordValidator | undefined;

/** The validator of the vendored schema (compiled once per process). */
export function recordValidator(): RecordValidator {
  if (compiled !== undefined) return compiled;
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  (addFormats as unknown as (a: unknown) => void)(ajv);
  const schema = JSON.parse(readFileSync(join(packageRoot(), TRACE_SCHEMA_PATH), 'utf8')) as object;
  const validate = ajv.compile(schema);
  compiled = (record) => (validate(record) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath === '' ? '/' : e.instancePath}: ${e.message ?? 'invalid'}`));
  return compiled;
}
