/**
 * The daemon's control protocol: line-delimited JSON over its unix socket. A client sends one
 * request line (`{"op":"status"}`, `{"op":"stop"}`, a `switch` or an `apply`, nothing else) and reads
 * one response line; it may send several requests on one connection, each answered in order. An
 * `apply` (apply-request.ts) is answered by event lines (`{"out":TEXT}`, `{"err":TEXT}`: what its
 * CLI prints) before its one answer line `{"apply":{"exitCode":N}}`.
 *
 * `{"op":"switch","namespace":NS,"name":NAME,"timeoutMs":N,"requestedAt":RFC3339}` is
 * `boulder switch NAME` done by the daemon itself, whose store is open, validation compiled and
 * controllers subscribed in-process: the CLI then needs no store, no validation and no watch of
 * its own, and the daemon's converge starts without the file-system hop of a foreign write. The
 * answer comes once the switch ended (SwitchOutcome); a client that goes away cancels the wait,
 * not the writes already made, as a Ctrl-C of the local path does.
 *
 * **Authentication is the file system.** The socket is mode 0600 inside the state dir (mode
 * 0700), both set explicitly whatever the umask: only the daemon's own user (and root) can
 * connect, so whoever connects may ask anything this protocol offers — including `stop`, which is
 * no more than that user can do with a signal. Nothing a client sends says who it is, and nothing
 * else listens. (Other users of a node, SDKs and editors will use the authenticated daemon API of
 * DESIGN §9, never this socket.)
 *
 * **Bounds.** Requests are untrusted bytes all the same (the owner's own tools may be buggy or
 * fed garbage): a request line longer than MAX_REQUEST_BYTES (an apply request: longer than
 * MAX_APPLY_REQUEST_BYTES, and only when it starts with APPLY_REQUEST_PREFIX), or a connection that does not
 * complete a request within REQUEST_TIMEOUT_MS of connecting or of its previous answer, gets an
 * error reply and is closed; malformed JSON, invalid UTF-8, a value that is not a request object,
 * unknown fields and unknown ops get an error reply (`{"error": "...", "code": "..."}`) and the
 * connection stays usable. See control-server.ts.
 */
import type { ApiStatsSnapshot } from '../../server/rpc/stats.ts';
import { createConnection } from 'node:net';
import { assertSocketTrusted } from './socket-trust.ts';
import { APPLY_FIELDS, applyRequestOf, applyRequestProblem, MAX_APPLY_REQUEST_BYTES, startsAsApply, type ApplyDaemonRequest } from './apply-request.ts';

/** `boulder switch` asked of the daemon (see above). */
export interface SwitchDaemonRequest {
  op: 'switch';
  namespace: string;
  name: string;
  /** How long the daemon waits for the workspace to be Ready, from `requestedAt`. */
  timeoutMs: number;
  /** When the CLI started the switch (the switch-requested-at annotation: the switch is timed from it). */
  requestedAt: string;
}

/** Requests the daemon answers. */
export type DaemonRequest = { op: 'status' } | { op: 'stop' } | SwitchDaemonRequest | ApplyDaemonRequest;

/** The ops of DaemonRequest. */
export const DAEMON_OPS: readonly DaemonRequest['op'][] = ['status', 'stop', 'switch', 'apply'];

/** Longest `timeoutMs` of a switch request (an hour). */
export const MAX_SWITCH_TIMEOUT_MS = 3_600_000;

/** Longest namespace or name of a switch request. */
const MAX_NAME_LENGTH = 253;

/** Longest request line the daemon reads (bytes, without the newline). */
export const MAX_REQUEST_BYTES = 64 * 1024;

/** How long a connection may take to complete a request, from connecting or from the previous answer. */
export const REQUEST_TIMEOUT_MS = 5_000;

/** Stable codes of the daemon's error replies. */
export type DaemonErrorCode = 'RequestTooLarge' | 'InvalidUTF8' | 'InvalidJSON' | 'InvalidRequest' | 'UnknownOp' | 'RequestTimeout' | 'IncompleteRequest' | 'Internal';

/** An error reply. */
export interface DaemonErrorReply {
  error: string;
  code: DaemonErrorCode;
}

/** The result of reading one request line. */
export type ParsedRequest = { ok: true; request: DaemonRequest } | { ok: false; reply: DaemonErrorReply };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads one request line (its bytes, without the newline); never throws. */
export function parseDaemonRequest(line: Uint8Array): ParsedRequest {
  const fail = (code: DaemonErrorCode, error: string): ParsedRequest => ({ ok: false, reply: { error, code } });
  const limit = maxRequestBytesOf(line);
  if (line.length > limit) return fail('RequestTooLarge', `request line longer than ${limit} bytes`);
  let text: string;
  try {
    text = utf8.decode(line);
  } catch {
    return fail('InvalidUTF8', 'request is not valid UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return fail('InvalidJSON', `request is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('InvalidRequest', `request must be a JSON object like {"op":"status"}, not ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
  }
  // A long line that started like an apply must be one (`{"op":"apply","op":"status",...}` is not).
  if (line.length > MAX_REQUEST_BYTES && (value as { op?: unknown }).op !== 'apply') return fail('RequestTooLarge', `request line longer than ${MAX_REQUEST_BYTES} bytes`);
  return requestOf(value as Record<string, unknown>, fail);
}

/**
 * The longest a request line may be, judged from its first bytes: MAX_APPLY_REQUEST_BYTES for one
 * starting with APPLY_REQUEST_PREFIX, MAX_REQUEST_BYTES for any other (`limits` of the server).
 */
export function maxRequestBytesOf(line: Uint8Array, limits: { maxRequestBytes: number; maxApplyRequestBytes: number } = { maxRequestBytes: MAX_REQUEST_BYTES, maxApplyRequestBytes: MAX_APPLY_REQUEST_BYTES }): number {
  return startsAsApply(line) ? limits.maxApplyRequestBytes : limits.maxRequestBytes;
}

/** The request a JSON object holds, or the error reply saying what is wrong with it. */
function requestOf(value: Record<string, unknown>, fail: (code: DaemonErrorCode, error: string) => ParsedRequest): ParsedRequest {
  const { op } = value;
  if (typeof op !== 'string') return fail('InvalidRequest', `"op" must be a string (${DAEMON_OPS.join(', ')})`);
  if (!(DAEMON_OPS as readonly string[]).includes(op)) return fail('UnknownOp', `unknown op ${JSON.stringify(op.slice(0, 64))} (${DAEMON_OPS.join(', ')})`);
  const problem = unknownFieldsProblem(op, value) ?? (op === 'switch' ? switchRequestProblem(value) : op === 'apply' ? applyRequestProblem(value) : undefined);
  if (problem !== undefined) return fail('InvalidRequest', problem);
  if (op === 'apply') return { ok: true, request: applyRequestOf(value) };
  if (op !== 'switch') return { ok: true, request: { op: op as 'status' | 'stop' } };
  const v = value as unknown as Omit<SwitchDaemonRequest, 'op'>;
  return { ok: true, request: { op: 'switch', namespace: v.namespace, name: v.name, timeoutMs: v.timeoutMs, requestedAt: new Date(v.requestedAt).toISOString() } };
}

const SWITCH_FIELDS = ['op', 'namespace', 'name', 'timeoutMs', 'requestedAt'];

/** The fields of each op's request. */
const FIELDS_OF: Record<string, readonly string[]> = { switch: SWITCH_FIELDS, apply: APPLY_FIELDS };

/** Names the fields `op`'s request does not have, if any. */
function unknownFieldsProblem(op: string, value: object): string | undefined {
  const allowed = FIELDS_OF[op] ?? ['op'];
  const unknown = Object.keys(value).filter((field) => !allowed.includes(field));
  if (unknown.length === 0) return undefined;
  const has = allowed.length > 1 ? `a${op === 'apply' ? 'n' : ''} ${op} request has ${allowed.map((f) => JSON.stringify(f)).join(', ')}` : `a ${op} request has only "op"`;
  return `unknown field${unknown.length === 1 ? '' : 's'} ${unknown.map((f) => JSON.stringify(f)).join(', ')} (${has})`;
}

/** What is wrong with the fields of a switch request, if anything. */
function switchRequestProblem(v: Record<string, unknown>): string | undefined {
  for (const field of ['namespace', 'name'] as const) {
    const text = v[field];
    if (typeof text !== 'string' || text.length === 0 || text.length > MAX_NAME_LENGTH) return `"${field}" must be a string of 1 to ${MAX_NAME_LENGTH} characters`;
  }
  const { timeoutMs, requestedAt } = v;
  if (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs < 0 || timeoutMs > MAX_SWITCH_TIMEOUT_MS) return `"timeoutMs" must be an integer from 0 to ${MAX_SWITCH_TIMEOUT_MS}`;
  if (typeof requestedAt !== 'string' || requestedAt.length > 64 || !Number.isFinite(Date.parse(requestedAt))) return '"requestedAt" must be an RFC 3339 time';
  return undefined;
}

/** Answer to `status`. */
export interface DaemonStatus {
  pid: number;
  /** RFC 3339 time the daemon started. */
  startedAt: string;
  stateDir: string;
  version: string;
  /** The daemon API's listeners, connections and calls per method (absent before it started). */
  api?: ApiStatsSnapshot;
}

/** Answer to `stop`: the daemon acknowledges, then shuts down. */
export interface DaemonStopAck {
  stopping: true;
  pid: number;
}

/** What a client learns from the socket. */
export type DaemonReply =
  | { state: 'answered'; response: unknown }
  /** Nothing listens (no socket file, or a stale one: ECONNREFUSED). */
  | { state: 'absent' }
  /** Something accepted the connection but did not answer in time. */
  | { state: 'unresponsive' }
  /** The caller's signal ended the wait (the connection is closed: the daemon stops waiting too). */
  | { state: 'aborted' };

/**
 * How a request answered by event lines before its answer (an `apply`) is read: `onEvent` gets
 * each line it recognises (returns true for those) and the first other line is the answer. With
 * `endOnAbort`, the caller's signal half-closes the connection instead of dropping it: the daemon
 * stops waiting (Ctrl-C of a `--wait`) and the rest of its lines and its answer are still read.
 */
export interface DaemonStream {
  onEvent(value: unknown): boolean;
  endOnAbort?: boolean;
}

/**
 * Sends one request to the daemon of `socketPath`. Rejects (a CliError naming the path and why)
 * without connecting when the socket is not ours to trust (socket-trust.ts: another user's socket,
 * or one in a directory others can write).
 */
export async function requestDaemon(socketPath: string, request: DaemonRequest, timeoutMs = 2000, signal?: AbortSignal, stream?: DaemonStream): Promise<DaemonReply> {
  await assertSocketTrusted(socketPath);
  return new Promise((resolve) => {
    const socket = createConnection(socketPath);
    let buffer = '';
    let done = false;
    const onAbort = (): void => {
      if (stream?.endOnAbort === true) socket.end();
      else finish({ state: 'aborted' });
    };
    const finish = (reply: DaemonReply): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(reply);
    };
    const timer = setTimeout(() => finish({ state: 'unresponsive' }), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.setEncoding('utf8');
    socket.on('connect', () => {
      socket.write(`${JSON.stringify(request)}\n`);
      if (signal?.aborted === true) onAbort();
    });
    if (signal?.aborted === true && stream?.endOnAbort !== true) onAbort();
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (let newline = buffer.indexOf('\n'); newline >= 0 && !done; newline = buffer.indexOf('\n')) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        let value: unknown;
        try {
          value = JSON.parse(line) as unknown;
        } catch {
          finish({ state: 'unresponsive' });
          return;
        }
        if (stream?.onEvent(value) !== true) finish({ state: 'answered', response: value });
      }
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      const absent = err.code === 'ENOENT' || err.code === 'ECONNREFUSED' || err.code === 'ENOTSOCK';
      finish(absent ? { state: 'absent' } : { state: 'unresponsive' });
    });
    socket.on('close', () => finish({ state: 'unresponsive' }));
  });
}

/** True when `value` looks like a DaemonStatus. */
export function isDaemonStatus(value: unknown): value is DaemonStatus {
  const v = value as Partial<DaemonStatus> | null;
  return typeof v === 'object' && v !== null && typeof v.pid === 'number' && typeof v.startedAt === 'string';
}

/** The running daemon's status, or undefined when none answers. */
export async function daemonStatus(socketPath: string, timeoutMs = 2000): Promise<DaemonStatus | undefined> {
  const reply = await requestDaemon(socketPath, { op: 'status' }, timeoutMs);
  return reply.state === 'answered' && isDaemonStatus(reply.response) ? reply.response : undefined;
}
