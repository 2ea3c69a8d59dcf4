/**
 * One API connection: JSON-RPC 2.0 over a WebSocket. Parses frames (single messages and batches),
 * authenticates (a token verified at the upgrade, or a first `auth` call before any other, within a
 * deadline), multiplexes concurrent calls, cancels them (`$/cancelRequest` `{ id }`, or the
 * connection closing), and sends notifications with backpressure: a notification waits until the
 * socket has taken the previous frame, and a client whose unsent data passes `maxBufferedBytes`, or
 * that takes no data for `slowClientMs`, is disconnected rather than grow the daemon's memory.
 */
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { RevocationList } from '../auth/token-records.ts';
import type { TokenKeys } from '../auth/key-file.ts';
import { verifyToken, type VerifiedToken } from '../auth/tokens.ts';
import type { Dispatcher } from './dispatcher.ts';
import { toApiError, toJsonRpcError } from './errors.ts';
import { ApiError, type ConnectionContext, type Principal } from './method.ts';
import { createStreamRegistry } from './streams.ts';

/** The method a client authenticates with when its upgrade carried no token. */
export const AUTH_METHOD = 'auth';
/** The notification that cancels a call. */
export const CANCEL_METHOD = '$/cancelRequest';
/** Most messages in one batch. */
export const MAX_BATCH = 100;

/** WebSocket close codes the API uses (4000–4999 are the application's). */
export const CLOSE_CODES = {
  unauthenticated: 4401,
  slowClient: 4408,
  shuttingDown: 1001,
} as const;

/** Limits and collaborators of a connection. */
export interface ConnectionOptions {
  id: string;
  keys: TokenKeys;
  revocations: RevocationList;
  dispatcher: Dispatcher;
  logger: Logger;
  /** A multi-user node's admission of a verified token (NodeUsers.admit): throws ApiError to refuse. */
  admit?: (verified: VerifiedToken) => VerifiedToken;
  /** A token verified at the upgrade, if any. */
  verified?: VerifiedToken;
  /** Why the token presented at the upgrade was refused: sent, then the connection closes. */
  refusal?: ApiError;
  /** Time to present a token with `auth` before the connection is closed. */
  authDeadlineMs: number;
  /** Unsent bytes beyond which the client is disconnected. */
  maxBufferedBytes: number;
  /** How long a notification may wait for the socket before the client counts as stalled. */
  slowClientMs: number;
  /** Called once when the connection is gone. */
  onClose(): void;
}

type Id = string | number | null;

interface Request {
  id?: Id;
  method: string;
  params?: unknown;
}

function isValidId(id: unknown): id is Id {
  return id === null || typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id));
}

/** Checks the shape of one JSON-RPC message; an ApiError('InvalidRequest') when it is not one. */
function asRequest(message: unknown): Request {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) throw new ApiError('InvalidRequest', 'a JSON-RPC message must be an object');
  const m = message as Record<string, unknown>;
  if (m.jsonrpc !== '2.0') throw new ApiError('InvalidRequest', 'jsonrpc must be "2.0"');
  if (typeof m.method !== 'string' || m.method === '') throw new ApiError('InvalidRequest', 'method must be a non-empty string');
  if ('id' in m && !isValidId(m.id)) throw new ApiError('InvalidRequest', 'id must be a string, a number or null');
  if ('params' in m && (typeof m.params !== 'object' || m.params === null || Array.isArray(m.params))) {
    throw new ApiError('InvalidParams', 'params must be an object (by-name parameters)');
  }
  return m as unknown as Request;
}

function idOf(message: unknown): Id {
  const id = typeof message === 'object' && message !== null ? (message as { id?: unknown }).id : undefined;
  return isValidId(id) ? id : null;
}

/** Serves one WebSocket. */
export class Connection {
  private readonly ws: WebSocket;
  private readonly options: ConnectionOptions;
  private verified: VerifiedToken | undefined;
  private readonly closedController = new AbortController();
  private readonly calls = new Map<string, AbortController>();
  private readonly context: ConnectionContext;
  private authTimer: NodeJS.Timeout | undefined;

  constructor(ws: WebSocket, options: ConnectionOptions) {
    this.ws = ws;
    this.options = options;
    this.verified = options.verified;
    const closed = this.closedController.signal;
    this.context = {
      id: options.id,
      closed,
      streams: createStreamRegistry(closed, (method, params) => this.notify(method, params), (err) => options.logger.warn({ conn: options.id, err: toApiError(err).message, cause: err instanceof Error ? err.message : String(err) }, 'api stream failed')),
    };
    ws.on('message', (data, isBinary) => {
      try {
        this.onMessage(data as Buffer, isBinary);
      } catch (err) {
        options.logger.error({ conn: options.id, err: err instanceof Error ? err.stack : String(err) }, 'api message handling failed');
      }
    });
    ws.on('close', () => this.dispose());
    ws.on('error', (err) => options.logger.info({ conn: options.id, err: err.message }, 'api connection error'));
    if (options.refusal !== undefined) {
      const refusal = options.refusal;
      setImmediate(() => this.refuse(refusal));
    } else if (this.verified === undefined) {
      this.authTimer = setTimeout(() => this.refuse(new ApiError('Unauthenticated', `no token presented within ${options.authDeadlineMs} ms`, { reason: 'deadline' })), options.authDeadlineMs);
      this.authTimer.unref();
    }
  }

  /** The authenticated principal, if any. */
  get principal(): Principal | undefined {
    return this.verified?.principal;
  }

  /**
   * Closes the connection when its token expired or was revoked since it authenticated — also
   * when it only receives (a watch): the server calls this periodically.
   */
  recheckToken(): void {
    if (this.verified === undefined || this.closedController.signal.aborted) return;
    const invalid = this.checkStillValid(this.verified);
    if (invalid !== undefined) this.refuse(invalid);
  }

  /** Closes the connection (daemon stopping). */
  close(code: number = CLOSE_CODES.shuttingDown, reason = 'daemon stopping'): void {
    this.ws.close(code, reason);
    this.dispose();
  }

  private dispose(): void {
    if (this.closedController.signal.aborted) return;
    clearTimeout(this.authTimer);
    this.closedController.abort();
    for (const call of this.calls.values()) call.abort();
    this.calls.clear();
    this.options.onClose();
  }

  /** Closes the connection for an authentication failure, first sending the error with id null when `announce`. */
  private refuse(err: ApiError, announce = true): void {
    if (this.closedController.signal.aborted) return;
    this.options.logger.info({ conn: this.options.id, outcome: err.code, reason: (err.data as { reason?: string } | undefined)?.reason, message: err.message }, 'api connection refused');
    if (announce) this.send({ jsonrpc: '2.0', id: null, error: toJsonRpcError(err) });
    this.ws.close(CLOSE_CODES.unauthenticated, err.message.slice(0, 120));
    this.dispose();
  }

  private send(message: unknown): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    const frame = JSON.stringify(message);
    if (this.ws.bufferedAmount + frame.length > this.options.maxBufferedBytes) {
      this.disconnectSlow();
      return;
    }
    this.ws.send(frame);
  }

  private disconnectSlow(): void {
    this.options.logger.warn({ conn: this.options.id, buffered: this.ws.bufferedAmount }, 'api client too slow: disconnected');
    this.ws.terminate();
    this.dispose();
  }

  /** Sends a notification; resolves when the socket has taken it (backpressure). */
  notify(method: string, params: unknown): Promise<void> {
    if (this.closedController.signal.aborted || this.ws.readyState !== this.ws.OPEN) return Promise.reject(new ApiError('Unavailable', 'the connection is closed'));
    const frame = JSON.stringify({ jsonrpc: '2.0', method, params });
    if (this.ws.bufferedAmount + frame.length > this.options.maxBufferedBytes) {
      this.disconnectSlow();
      return Promise.reject(new ApiError('Unavailable', 'the client is too slow: disconnected'));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.disconnectSlow();
        reject(new ApiError('Unavailable', 'the client is too slow: disconnected'));
      }, this.options.slowClientMs);
      this.ws.send(frame, (err) => {
        clearTimeout(timer);
        if (err) reject(new ApiError('Unavailable', 'the connection is closed'));
        else resolve();
      });
    });
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (isBinary) {
      this.send({ jsonrpc: '2.0', id: null, error: toJsonRpcError(new ApiError('InvalidRequest', 'binary frames are not accepted: send JSON-RPC as text')) });
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(data.toString('utf8'));
    } catch {
      this.send({ jsonrpc: '2.0', id: null, error: toJsonRpcError(new ApiError('ParseError', 'the frame is not valid JSON')) });
      return;
    }
    if (Array.isArray(parsed)) {
      if (parsed.length === 0 || parsed.length > MAX_BATCH) {
        this.send({ jsonrpc: '2.0', id: null, error: toJsonRpcError(new ApiError('InvalidRequest', parsed.length === 0 ? 'an empty batch' : `a batch of ${parsed.length} messages; at most ${MAX_BATCH}`)) });
        return;
      }
      void Promise.all(parsed.map((m) => this.handle(m))).then((responses) => {
        const sent = responses.filter((r) => r !== undefined);
        if (sent.length > 0) this.send(sent);
      });
      return;
    }
    void this.handle(parsed).then((response) => {
      if (response !== undefined) this.send(response);
    });
  }

  /** Handles one message; resolves to its response (undefined for a notification). */
  private async handle(message: unknown): Promise<unknown> {
    let request: Request;
    try {
      request = asRequest(message);
    } catch (err) {
      return { jsonrpc: '2.0', id: idOf(message), error: toJsonRpcError(err) };
    }
    const isNotification = !('id' in request);
    const id = request.id ?? null;
    if (request.method === CANCEL_METHOD) {
      const target = (request.params as { id?: unknown } | undefined)?.id;
      if (isValidId(target)) this.calls.get(JSON.stringify(target))?.abort();
      return undefined;
    }
    if (request.method === AUTH_METHOD) return this.authenticate(request, id, isNotification);
    const verified = this.verified;
    if (verified === undefined) {
      const err = new ApiError('Unauthenticated', `authenticate first: call "${AUTH_METHOD}" with a token before "${request.method}"`, { reason: 'missing' });
      this.options.logger.info({ conn: this.options.id, method: request.method, outcome: err.code }, 'api call refused');
      return isNotification ? undefined : { jsonrpc: '2.0', id, error: toJsonRpcError(err) };
    }
    const stillValid = this.checkStillValid(verified);
    if (stillValid !== undefined) {
      setImmediate(() => this.refuse(stillValid, isNotification));
      return isNotification ? undefined : { jsonrpc: '2.0', id, error: toJsonRpcError(stillValid) };
    }
    const key = JSON.stringify(id);
    const controller = new AbortController();
    if (!isNotification) this.calls.set(key, controller);
    try {
      const result = await this.options.dispatcher.call(request.method, request.params, {
        principal: verified.principal,
        signal: AbortSignal.any([controller.signal, this.closedController.signal]),
        notify: (method, params) => this.notify(method, params),
        connection: this.context,
      });
      return isNotification ? undefined : { jsonrpc: '2.0', id, result: result ?? null };
    } catch (err) {
      return isNotification ? undefined : { jsonrpc: '2.0', id, error: toJsonRpcError(err) };
    } finally {
      if (this.calls.get(key) === controller) this.calls.delete(key);
    }
  }

  /** An ApiError when the token expired or was revoked since the connection authenticated. */
  private checkStillValid(verified: VerifiedToken): ApiError | undefined {
    if (Date.now() >= verified.expiresAt) return new ApiError('Unauthenticated', 'the token has expired', { reason: 'expired' });
    if (this.options.revocations.isRevoked(verified.principal.tokenId)) return new ApiError('Unauthenticated', `token ${verified.principal.tokenId} has been revoked`, { reason: 'revoked' });
    try {
      const admitted = this.options.admit?.(verified);
      // A node user who joined or left the admin group since connecting: connect again for the new role.
      if (admitted !== undefined && admitted.principal.namespace !== verified.principal.namespace) {
        return new ApiError('Unauthenticated', `the role of user ${verified.principal.user ?? verified.principal.subject} on this node changed; connect again`, { reason: 'revoked' });
      }
    } catch (err) {
      return toApiError(err);
    }
    return undefined;
  }

  private async authenticate(request: Request, id: Id, isNotification: boolean): Promise<unknown> {
    if (this.verified !== undefined) {
      return isNotification ? undefined : { jsonrpc: '2.0', id, error: toJsonRpcError(new ApiError('InvalidRequest', 'this connection is already authenticated')) };
    }
    try {
      const verified = await verifyToken((request.params as { token?: unknown } | undefined)?.token, this.options.keys, this.options.revocations);
      this.verified = this.options.admit === undefined ? verified : this.options.admit(verified);
    } catch (err) {
      const api = toApiError(err);
      setImmediate(() => this.refuse(api, isNotification));
      return isNotification ? undefined : { jsonrpc: '2.0', id, error: toJsonRpcError(api) };
    }
    clearTimeout(this.authTimer);
    const { principal, expiresAt } = this.verified;
    this.options.logger.info({ conn: this.options.id, token: principal.name, tokenId: principal.tokenId }, 'api connection authenticated');
    return isNotification ? undefined : { jsonrpc: '2.0', id, result: authResult(principal, expiresAt) };
  }
}

/** What `auth` answers: who the token says the caller is (never the token). */
export function authResult(principal: Principal, expiresAt: number): Record<string, unknown> {
  return { tokenId: principal.tokenId, name: principal.name, subject: principal.subject, scopes: principal.scopes, workspaces: principal.workspaces, expiresAt: new Date(expiresAt).toISOString() };
}
