/**
 * The one table of stable API error codes ↔ JSON-RPC error codes, and the mapping of any thrown
 * error to the `error` member of a JSON-RPC response (`{ code, message, data: { code, ... } }`).
 * The JSON-RPC codes are part of the API: clients may match on either, never on the message.
 */
import { BoulderError, type ErrorCode } from '../../apis/errors.ts';
import { ApiError, type ApiErrorCode } from './method.ts';

/** JSON-RPC `error.code` of each stable code (-32700…-32600 are JSON-RPC's own; -32000… are ours). */
export const JSON_RPC_CODES: Record<ApiErrorCode, number> = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  Internal: -32603,
  Unauthenticated: -32001,
  Forbidden: -32003,
  NotFound: -32004,
  Conflict: -32009,
  Gone: -32010,
  PreconditionFailed: -32012,
  TooLarge: -32013,
  PathEscapesWorkspace: -32014,
  Unavailable: -32015,
  Cancelled: -32800,
};

/** The stable code of a JSON-RPC error code (undefined for codes this API does not use). */
export function apiCodeOf(jsonRpcCode: number): ApiErrorCode | undefined {
  return (Object.keys(JSON_RPC_CODES) as ApiErrorCode[]).find((k) => JSON_RPC_CODES[k] === jsonRpcCode);
}

const FROM_BOULDER: Record<ErrorCode, ApiErrorCode> = {
  NotFound: 'NotFound',
  AlreadyExists: 'Conflict',
  Conflict: 'Conflict',
  Invalid: 'InvalidParams',
  Gone: 'Gone',
  BadRequest: 'InvalidParams',
  Forbidden: 'Forbidden',
  Timeout: 'Unavailable',
  Unavailable: 'Unavailable',
  Internal: 'Internal',
};

/** The `error` member of a JSON-RPC response. */
export interface JsonRpcError {
  code: number;
  message: string;
  data: { code: ApiErrorCode; [key: string]: unknown };
}

/**
 * Any error as an ApiError: ApiErrors as they are; BoulderErrors by code (validation issues with
 * their field paths kept in `data.issues`, the store's code in `data.reason`); anything else is
 * Internal with a generic message (the detail goes to the log, not to the client).
 */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof BoulderError) {
    const issues = (err as { issues?: unknown }).issues;
    return new ApiError(FROM_BOULDER[err.code], err.message, { reason: err.code, ...(Array.isArray(issues) ? { issues } : {}) }, { cause: err });
  }
  return new ApiError('Internal', 'internal error (see the daemon log)', undefined, { cause: err });
}

/** The JSON-RPC error object of `err`. */
export function toJsonRpcError(err: unknown): JsonRpcError {
  const api = toApiError(err);
  const extra = api.data !== undefined && typeof api.data === 'object' && api.data !== null && !Array.isArray(api.data) ? (api.data as Record<string, unknown>) : api.data === undefined ? {} : { detail: api.data };
  return { code: JSON_RPC_CODES[api.code], message: api.message, data: { ...extra, code: api.code } };
}
