/**
 * Kubernetes API failures as provider errors. The client throws `ApiException` (with the HTTP
 * status in `code`) for answers and plain errors for transport failures.
 */
import { ApiException } from '@kubernetes/client-node';
import { errorMessage } from '../../runtime/errors.ts';
import { ProviderError, type ProviderFailureReason } from '../errors.ts';
import { ENGINE_UNAVAILABLE } from '../../../apis/names/index.ts';

/** The HTTP status of an API answer; undefined for transport failures. */
export function apiStatus(err: unknown): number | undefined {
  if (err instanceof ApiException) return err.code;
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' && code >= 100 && code < 600 ? code : undefined;
}

/** True for a 404 answer. */
export function isNotFound(err: unknown): boolean {
  return apiStatus(err) === 404;
}

/** True for a 409 answer (AlreadyExists or Conflict). */
export function isConflict(err: unknown): boolean {
  return apiStatus(err) === 409;
}

/** The API server's own message (`Status.message`) when it sent one, else the error's message. */
export function apiMessage(err: unknown): string {
  if (err instanceof ApiException) {
    const body: unknown = err.body;
    const parsed = typeof body === 'string' ? safeJson(body) : body;
    const message = (parsed as { message?: unknown } | undefined)?.message;
    if (typeof message === 'string') return message;
    return `HTTP ${err.code}`;
  }
  return errorMessage(err);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * A ProviderError for `err` raised while `doing` something. Transport failures, 409, 429 and 5xx
 * are transient; other answers (invalid object, forbidden) are not, since retrying cannot help.
 */
export function toProviderError(err: unknown, reason: ProviderFailureReason, doing: string): ProviderError {
  if (err instanceof ProviderError) return err;
  const status = apiStatus(err);
  const transient = status === undefined || status === 409 || status === 429 || status >= 500;
  const why = status === undefined ? `the Kubernetes API is unreachable: ${apiMessage(err)}` : apiMessage(err);
  return new ProviderError(status === undefined ? ENGINE_UNAVAILABLE : reason, `${doing}: ${why}`, { transient, cause: err });
}
