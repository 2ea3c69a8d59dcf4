/**
 * Errors of the Sprites API, mapped to workspace conditions: each carries a CamelCase `reason`
 * (the condition's reason), whether retrying can help (`transient`), the HTTP status and the API's
 * own message (`{"error": …}`, `{"message": …}` or `{"errors": […]}`). A 429 also carries how long
 * the API asked to wait (`retry_after_seconds` in the body, else the `Retry-After` header).
 * Messages name the method and path, never the token.
 */
import { BoulderError, type ErrorCode } from '../../../apis/errors.ts';

/** Stable reasons of Sprites API failures. */
export type SpriteFailureReason =
  /** The API or the network did not answer, or answered 5xx: retried with backoff. */
  | 'SpriteApiUnavailable'
  /** 429: the API asked to wait (rate limit, concurrent Sprite limit). */
  | 'SpriteRateLimited'
  /** 401/403: the token is missing, wrong or lacks the right. Fix the configuration. */
  | 'SpriteUnauthorized'
  /** 400/409/422: the API refused the request itself. */
  | 'SpriteRequestRejected'
  /** 404 where something had to exist. */
  | 'SpriteNotFound'
  /** A WebSocket (exec, proxy) dropped before the command ended and could not be re-attached. */
  | 'SpriteConnectionLost'
  /** The configuration of the sprite backend is incomplete (no token). */
  | 'SpriteNotConfigured';

/** A failure of the Sprites API; see the module comment. */
export class SpriteApiError extends BoulderError {
  readonly reason: SpriteFailureReason;
  readonly transient: boolean;
  /** HTTP status, when the API answered. */
  readonly httpStatus: number | undefined;
  /** How long the API asked to wait before retrying (429), ms. */
  readonly retryAfterMs: number | undefined;

  constructor(reason: SpriteFailureReason, message: string, options: { transient: boolean; status?: number; retryAfterMs?: number; cause?: unknown }) {
    super(codeOf(reason), message, { cause: options.cause });
    this.name = 'SpriteApiError';
    this.reason = reason;
    this.transient = options.transient;
    this.httpStatus = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
}

function codeOf(reason: SpriteFailureReason): ErrorCode {
  switch (reason) {
    case 'SpriteUnauthorized':
      return 'Forbidden';
    case 'SpriteRequestRejected':
    case 'SpriteNotConfigured':
      return 'Invalid';
    case 'SpriteNotFound':
      return 'NotFound';
    default:
      return 'Unavailable';
  }
}

/** True when `err` is a SpriteApiError with HTTP status `status`. */
export function isSpriteStatus(err: unknown, status: number): boolean {
  return err instanceof SpriteApiError && err.httpStatus === status;
}

/** The API's message from an error body (JSON or text), trimmed to one line of at most 300 characters. */
export function apiMessage(body: string): string {
  let text = body.trim();
  try {
    const parsed = JSON.parse(text) as { error?: unknown; message?: unknown; errors?: unknown };
    const parts: string[] = [];
    if (typeof parsed.error === 'string') parts.push(parsed.error);
    if (typeof parsed.message === 'string' && parsed.message !== parsed.error) parts.push(parsed.message);
    if (Array.isArray(parsed.errors)) parts.push(...parsed.errors.map((e) => (typeof e === 'string' ? e : JSON.stringify(e))));
    if (parts.length > 0) text = parts.join(': ');
  } catch {
    // not JSON: the text itself
  }
  text = text.replaceAll(/\s+/g, ' ');
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

/** How long a 429 asked to wait, ms: the body's retry_after_seconds, else Retry-After (seconds or a date). */
export function retryAfterMs(body: string, header: string | null | undefined, now = Date.now()): number | undefined {
  try {
    const parsed = JSON.parse(body) as { retry_after_seconds?: unknown };
    if (typeof parsed.retry_after_seconds === 'number' && Number.isFinite(parsed.retry_after_seconds) && parsed.retry_after_seconds >= 0) {
      return parsed.retry_after_seconds * 1000;
    }
  } catch {
    // fall through to the header
  }
  if (header === null || header === undefined || header.trim() === '') return undefined;
  const seconds = Number(header.trim());
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The error of an HTTP answer `status` to `what` (e.g. `GET /v1/sprites/x`). */
export function errorFromResponse(what: string, status: number, body: string, retryAfter: string | null | undefined): SpriteApiError {
  const message = apiMessage(body);
  const detail = `Sprites API ${what}: ${status}${message === '' ? '' : ` ${message}`}`;
  if (status === 429) {
    const wait = retryAfterMs(body, retryAfter);
    const suffix = wait === undefined ? '' : ` (retry after ${Math.ceil(wait / 1000)}s)`;
    return new SpriteApiError('SpriteRateLimited', `${detail}${suffix}`, { transient: true, status, ...(wait !== undefined ? { retryAfterMs: wait } : {}) });
  }
  if (status === 401 || status === 403) return new SpriteApiError('SpriteUnauthorized', `${detail} (check backends.sprite.api_key)`, { transient: false, status });
  if (status === 404) return new SpriteApiError('SpriteNotFound', detail, { transient: false, status });
  if (status >= 500) return new SpriteApiError('SpriteApiUnavailable', detail, { transient: true, status });
  return new SpriteApiError('SpriteRequestRejected', detail, { transient: false, status });
}

/** The error of a request that got no answer (refused, reset, timed out). */
export function errorFromNetwork(what: string, err: unknown): SpriteApiError {
  const message = err instanceof Error ? (err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message) : String(err);
  return new SpriteApiError('SpriteApiUnavailable', `Sprites API ${what}: no answer (${message})`, { transient: true, cause: err });
}
