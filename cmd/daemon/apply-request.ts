/**
 * The control op `apply` (protocol.ts): `boulder apply -f ...` done by the daemon. The CLI reads
 * the sources itself, as the invoking user, and sends their texts with the names it shows in
 * errors; the daemon parses, validates, applies and (with `waitTimeoutMs`) waits, streaming the
 * text the CLI prints. The daemon never opens a path a request names: `cwd` and the source names
 * are only strings (the base of relative host paths, and the file of file:line:col).
 *
 * An apply request is the one request that may be longer than MAX_REQUEST_BYTES (manifests are
 * larger than a status line): up to MAX_APPLY_REQUEST_BYTES, and only when its line starts with
 * APPLY_REQUEST_PREFIX, so the server knows how much to buffer before the line is complete.
 */
import { isAbsolute } from 'node:path';

/** One manifest source as the CLI read it. */
export interface ApplySource {
  /** The name shown in errors: the path as the user gave it, `<stdin>` for `-`. */
  name: string;
  /** The text; null for a directory without manifest files. */
  text: string | null;
}

/** `boulder apply` asked of the daemon. */
export interface ApplyDaemonRequest {
  op: 'apply';
  sources: ApplySource[];
  /** The CLI's working directory (absolute): relative host paths of stdin resolve against it, and relative source names. */
  cwd: string;
  /** `-n`. */
  namespace?: string;
  /** The kubeconfig context's namespace (CONTEXT_NAMESPACE of args.ts). */
  contextNamespace?: string;
  dryRun: boolean;
  output?: 'name' | 'yaml' | 'json';
  /** `--wait`: how long to wait for Ready (from when the daemon starts applying). */
  waitTimeoutMs?: number;
  /** Whether the CLI's stderr is a terminal (the live progress view), and its width. */
  tty: boolean;
  columns?: number;
}

/** How an apply request's line starts (JSON.stringify of a request whose first key is `op`). */
export const APPLY_REQUEST_PREFIX = '{"op":"apply",';

/** Longest apply request line (bytes, without the newline): a few manifests of MAX_INPUT_BYTES at most. */
export const MAX_APPLY_REQUEST_BYTES = 8 * 1024 * 1024;

/** Longest `waitTimeoutMs` the daemon accepts (a day); a longer `--timeout` is waited for by the CLI itself. */
export const MAX_APPLY_WAIT_MS = 86_400_000;

/** Most sources of one request. */
export const MAX_APPLY_SOURCES = 10_000;

/** Longest source name or cwd. */
const MAX_PATH_LENGTH = 4096;

/** Longest namespace. */
const MAX_NAME_LENGTH = 253;

/** The fields of an apply request. */
export const APPLY_FIELDS = ['op', 'sources', 'cwd', 'namespace', 'contextNamespace', 'dryRun', 'output', 'waitTimeoutMs', 'tty', 'columns'];

const OUTPUTS = ['name', 'yaml', 'json'];

/** True when `line` (a request's bytes) starts like an apply request. */
export function startsAsApply(line: Uint8Array): boolean {
  if (line.length < APPLY_REQUEST_PREFIX.length) return false;
  for (let i = 0; i < APPLY_REQUEST_PREFIX.length; i++) if (line[i] !== APPLY_REQUEST_PREFIX.charCodeAt(i)) return false;
  return true;
}

const isText = (value: unknown, max: number): value is string => typeof value === 'string' && value.length > 0 && value.length <= max;

/** What is wrong with the sources of an apply request, if anything. */
function sourcesProblem(sources: unknown): string | undefined {
  if (!Array.isArray(sources) || sources.length === 0 || sources.length > MAX_APPLY_SOURCES) return `"sources" must be an array of 1 to ${MAX_APPLY_SOURCES} sources`;
  for (const [i, source] of sources.entries()) {
    const s = source as Record<string, unknown> | null;
    if (typeof s !== 'object' || s === null || Array.isArray(s)) return `"sources[${i}]" must be an object with "name" and "text"`;
    const unknown = Object.keys(s).filter((key) => key !== 'name' && key !== 'text');
    if (unknown.length > 0) return `unknown field ${JSON.stringify(unknown[0])} in "sources[${i}]" (a source has "name", "text")`;
    if (!isText(s['name'], MAX_PATH_LENGTH)) return `"sources[${i}].name" must be a string of 1 to ${MAX_PATH_LENGTH} characters`;
    if (typeof s['text'] !== 'string' && s['text'] !== null) return `"sources[${i}].text" must be a string or null`;
  }
  return undefined;
}

const isCount = (value: unknown, min: number, max: number): boolean => typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;

/** Each field's check (undefined when fine) beside `sources`, in the order they are reported. */
const FIELD_CHECKS: [string, (value: unknown) => string | undefined][] = [
  ['cwd', (cwd) => (isText(cwd, MAX_PATH_LENGTH) && isAbsolute(cwd) ? undefined : `"cwd" must be an absolute path of at most ${MAX_PATH_LENGTH} characters`)],
  ['namespace', (ns) => (ns === undefined || isText(ns, MAX_NAME_LENGTH) ? undefined : `"namespace" must be a string of 1 to ${MAX_NAME_LENGTH} characters`)],
  ['contextNamespace', (ns) => (ns === undefined || isText(ns, MAX_NAME_LENGTH) ? undefined : `"contextNamespace" must be a string of 1 to ${MAX_NAME_LENGTH} characters`)],
  ['dryRun', (dryRun) => (typeof dryRun === 'boolean' ? undefined : '"dryRun" must be true or false')],
  ['output', (output) => (output === undefined || OUTPUTS.includes(output as string) ? undefined : `"output" must be one of ${OUTPUTS.join(', ')}`)],
  ['waitTimeoutMs', (ms) => (ms === undefined || isCount(ms, 0, MAX_APPLY_WAIT_MS) ? undefined : `"waitTimeoutMs" must be an integer from 0 to ${MAX_APPLY_WAIT_MS}`)],
  ['tty', (tty) => (typeof tty === 'boolean' ? undefined : '"tty" must be true or false')],
  ['columns', (columns) => (columns === undefined || isCount(columns, 1, 10_000) ? undefined : '"columns" must be an integer from 1 to 10000')],
];

/** What is wrong with the fields of an apply request (its field names already checked), if anything. */
export function applyRequestProblem(v: Record<string, unknown>): string | undefined {
  const problem = sourcesProblem(v['sources']);
  if (problem !== undefined) return problem;
  for (const [field, check] of FIELD_CHECKS) {
    const found = check(v[field]);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The request of an apply object whose fields passed applyRequestProblem (only its own fields, copied). */
export function applyRequestOf(v: Record<string, unknown>): ApplyDaemonRequest {
  const r = v as unknown as ApplyDaemonRequest;
  return {
    op: 'apply',
    sources: r.sources.map((s) => ({ name: s.name, text: s.text })),
    cwd: r.cwd,
    ...(r.namespace === undefined ? {} : { namespace: r.namespace }),
    ...(r.contextNamespace === undefined ? {} : { contextNamespace: r.contextNamespace }),
    dryRun: r.dryRun,
    ...(r.output === undefined ? {} : { output: r.output }),
    ...(r.waitTimeoutMs === undefined ? {} : { waitTimeoutMs: r.waitTimeoutMs }),
    tty: r.tty,
    ...(r.columns === undefined ? {} : { columns: r.columns }),
  };
}

/** One line of text the CLI prints, streamed before an apply's answer. */
export type ApplyEvent = { out: string } | { err: string };

/** The answer to an apply: the exit code the CLI returns (the text was streamed before). */
export interface ApplyOutcome {
  exitCode: number;
}

/** True when `value` is an ApplyEvent. */
export function isApplyEvent(value: unknown): value is ApplyEvent {
  if (typeof value !== 'object' || value === null) return false;
  const keys = Object.keys(value);
  const v = value as Record<string, unknown>;
  return keys.length === 1 && (typeof v['out'] === 'string' || typeof v['err'] === 'string');
}

/** True when `value` is the `apply` field of a well-formed answer. */
export function isApplyOutcome(value: unknown): value is ApplyOutcome {
  const v = value as Partial<ApplyOutcome> | null;
  return typeof v === 'object' && v !== null && typeof v.exitCode === 'number' && Number.isInteger(v.exitCode) && v.exitCode >= 0 && v.exitCode <= 255;
}
