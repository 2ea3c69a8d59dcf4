/**
 * Translation of dockerode/docker-modem failures into ProviderErrors: an unreachable engine
 * becomes `EngineUnavailable` (transient) naming the host tried; an HTTP error keeps the daemon's
 * own message. Also small predicates (not found, conflict, not modified) for idempotent calls.
 */
import type Dockerode from 'dockerode';
import { ProviderError, type ProviderFailureReason } from '../errors.ts';
import { ENGINE_UNAVAILABLE } from '../../../apis/names/index.ts';

/** Socket-level error codes meaning "no engine answers there". */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EACCES']);

interface ModemError {
  statusCode?: number;
  code?: string;
  message?: string;
  json?: unknown;
}

/** HTTP status of a Docker API error, when it is one. */
export function statusOf(err: unknown): number | undefined {
  const status = (err as ModemError | undefined)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** True for a 404 (no such container/network/image/volume/exec). */
export function isNotFound(err: unknown): boolean {
  return statusOf(err) === 404;
}

/** True for a 409 (name in use, already paused, and the like). */
export function isConflict(err: unknown): boolean {
  return statusOf(err) === 409;
}

/** True for a 304 (already started / already stopped). */
export function isNotModified(err: unknown): boolean {
  return statusOf(err) === 304;
}

/** True when the socket could not be reached at all. */
export function isEngineUnreachable(err: unknown): boolean {
  const code = (err as ModemError | undefined)?.code;
  return typeof code === 'string' && UNREACHABLE_CODES.has(code);
}

/** The daemon's message of an API error (its JSON `message`), else the error's own message. */
export function daemonMessage(err: unknown): string {
  const e = err as ModemError | undefined;
  const json = e?.json;
  if (json !== null && typeof json === 'object' && typeof (json as { message?: unknown }).message === 'string') {
    return (json as { message: string }).message.trim();
  }
  if (typeof json === 'string' && json.trim() !== '') return json.trim();
  if (Buffer.isBuffer(json) && json.length > 0) return json.toString('utf8').trim();
  const message = (e?.message ?? String(err)).trim();
  // docker-modem's own wrapping of streamed responses: `(HTTP code 500) server error - <daemon message>`.
  return /^\(HTTP code \d+\) [^-]*- ([\s\S]*)$/.exec(message)?.[1]?.trim() ?? message;
}

/** Where the client talks to: `unix:///var/run/docker.sock`, `tcp://host:2375`, or DOCKER_HOST. */
export function describeEngine(docker: Dockerode): string {
  const modem = docker.modem as { socketPath?: unknown; host?: string; port?: string | number; protocol?: string };
  if (typeof modem.host === 'string' && modem.host !== '') {
    return `${modem.protocol ?? 'http'}://${modem.host}${modem.port === undefined || modem.port === '' ? '' : `:${modem.port}`}`;
  }
  if (typeof modem.socketPath === 'string') return `unix://${modem.socketPath}`;
  // The default socket (a function resolving ~/.docker/run/docker.sock or /var/run/docker.sock).
  return process.env['DOCKER_HOST'] ?? 'unix:///var/run/docker.sock';
}

/**
 * The ProviderError for a failed Docker call: `EngineUnavailable` when the engine is unreachable,
 * else `reason` with `what: <daemon message>`, transient for 5xx and non-HTTP failures.
 */
export function toProviderError(docker: Dockerode, err: unknown, reason: ProviderFailureReason, what: string): ProviderError {
  if (err instanceof ProviderError) return err;
  if (isEngineUnreachable(err)) {
    const msg = (err as Error).message;
    return new ProviderError(ENGINE_UNAVAILABLE, `cannot reach the Docker engine at ${describeEngine(docker)}: ${msg}`, {
      transient: true,
      cause: err,
    });
  }
  const status = statusOf(err);
  // 5xx, no HTTP answer, and conflicts with leftovers of a dockerd shutting down or restarting
  // (an endpoint or containerd task that still exists) clear up by themselves: retry those.
  const transient = status === undefined || status >= 500 || /already exists|is restarting|shutting down/i.test(daemonMessage(err));
  return new ProviderError(reason, `${what}: ${daemonMessage(err)}`, { transient, cause: err });
}
