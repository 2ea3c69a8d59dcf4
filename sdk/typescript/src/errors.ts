/**
 * Typed errors of the SDK: every failed call rejects with an ApiError whose `code` is the API's
 * stable code (the same table as the daemon's server/rpc/errors.ts), never a bare Error.
 */

/** Stable API error codes. */
export type ApiErrorCode =
  | 'Unauthenticated'
  | 'Forbidden'
  | 'NotFound'
  | 'Conflict'
  | 'InvalidParams'
  | 'PathEscapesWorkspace'
  | 'TooLarge'
  | 'Unavailable'
  | 'Internal'
  | 'Cancelled'
  | 'PreconditionFailed'
  | 'Gone'
  | 'ParseError'
  | 'InvalidRequest'
  | 'MethodNotFound';

/** JSON-RPC `error.code` of each stable code. */
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

/** A failed call (or connection): `code` is stable, `message` is for humans, `data` has details (e.g. `issues` with field paths). */
export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly jsonRpcCode: number;
  readonly data: Record<string, unknown> | undefined;
  constructor(code: ApiErrorCode, message: string, data?: Record<string, unknown>) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.jsonRpcCode = JSON_RPC_CODES[code];
    this.data = data;
  }

  /** `data.reason` (e.g. `expired`, `revoked`, `scope`), when the daemon gave one. */
  get reason(): string | undefined {
    return typeof this.data?.reason === 'string' ? this.data.reason : undefined;
  }
}

/** The ApiError of a JSON-RPC error object. */
export function fromJsonRpcError(error: { code?: unknown; message?: unknown; data?: unknown }): ApiError {
  const data = typeof error.data === 'object' && error.data !== null ? (error.data as Record<string, unknown>) : undefined;
  const byData = typeof data?.code === 'string' && data.code in JSON_RPC_CODES ? (data.code as ApiErrorCode) : undefined;
  const byNumber = (Object.keys(JSON_RPC_CODES) as ApiErrorCode[]).find((k) => JSON_RPC_CODES[k] === error.code);
  return new ApiError(byData ?? byNumber ?? 'Internal', typeof error.message === 'string' ? error.message : 'unknown error', data);
}
