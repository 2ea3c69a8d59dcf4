/**
 * The method interface of the daemon API: what a method module exports and what the dispatcher
 * gives each call. Every method is described in `schemas/api/methods/<group>.json` (OpenRPC); the
 * dispatcher validates params against that schema, checks the scope and workspace of the caller's
 * token, then runs `handler`. Handlers throw ApiError (or a BoulderError from the ResourceClient,
 * which the dispatcher maps) and never see the token itself.
 */
import type { ActivityTracker } from '../../controllers/workspace/activity.ts';
import type { Logger } from 'pino';
import type { ResourceClient } from '../../apis/client/types.ts';
import type { ProviderRegistry } from '../../controllers/providers/registry.ts';
import type { TokenContributor } from '../trace/record.ts';
import type { NodeServices } from '../node/services.ts';

/** Operations a token may be granted. */
export type Scope = 'resources:read' | 'resources:write' | 'fs:read' | 'fs:write' | 'exec' | 'ports' | 'admin';

/** Every scope, in a stable order (validation of `--scope`, `admin` implies all). */
export const SCOPES: readonly Scope[] = ['resources:read', 'resources:write', 'fs:read', 'fs:write', 'exec', 'ports', 'admin'];

/** Who is calling: the verified claims of the connection's token (never the token). */
export interface Principal {
  /** The token id (`jti`), as listed by `boulder token list` and revoked by id. */
  tokenId: string;
  /** The token's display name (`--name`), used in logs. */
  name: string;
  /** `sub`: the unix user (or other subject) the token was issued to. */
  subject: string;
  scopes: Scope[];
  /** Workspaces the token may touch: `'*'` for all, else names (in any namespace). */
  workspaces: '*' | string[];
  /** Agent Trace attribution of the token (`token create --contributor`); none: no records. */
  contributor?: TokenContributor;
  /** Multi-user node: the unix user whose node token this is (claim `nexus_user`, minted by the daemon). */
  user?: string;
  /**
   * Multi-user node: the only namespace this principal may touch (`user-<name>`), set by the
   * daemon from the proven user (server/node/); absent for admins and single-user tokens.
   */
  namespace?: string;
}

/** The connection a call arrived on; lives longer than one call (streams, sessions). */
export interface ConnectionContext {
  /** Unique per daemon process, e.g. `c17`. */
  id: string;
  /** Aborted when the connection closes: release per-connection resources (exec sessions…) then. */
  closed: AbortSignal;
  /** Server → client streams of this connection (watches, exec output…), see server/rpc/streams.ts. */
  streams: StreamRegistry;
}

/** One open server → client stream: its id travels in every notification of the stream. */
export interface OpenStream {
  id: string;
  /** Aborted by `streams.cancel`, by the connection closing, or by the daemon stopping. */
  signal: AbortSignal;
}

/**
 * The streams of one connection. `open` registers a stream, runs `run` in the background and
 * returns at once (the method returns `{ stream: id }`); when `run` settles the client receives a
 * `stream.end` notification `{ stream, error? }`.
 */
export interface StreamRegistry {
  open(run: (stream: OpenStream) => Promise<void>): OpenStream;
  /** Aborts a stream of this connection; false when there is no such stream. */
  cancel(id: string): boolean;
  /** Number of open streams. */
  readonly size: number;
}

/** What the dispatcher gives one call. */
export interface CallContext {
  principal: Principal;
  /** Aborted when the client cancels the call (`$/cancelRequest`) or the connection closes. */
  signal: AbortSignal;
  /**
   * Sends a JSON-RPC notification to this connection; resolves when the socket buffer has room
   * (backpressure). Rejects with ApiError('Unavailable') when the connection is closed or the
   * client is too slow (it is then disconnected).
   */
  notify(method: string, params: unknown): Promise<void>;
  /** Child logger of the call (method, connection, token name). */
  log: Logger;
  connection: ConnectionContext;
  services: ApiServices;
}

/** One API method. */
export interface MethodDefinition<P = unknown, R = unknown> {
  /** e.g. `fs.read`; must have an entry in `schemas/api/methods/*.json`. */
  name: string;
  /**
   * Checked before the handler runs (`admin` passes every check); `'authenticated'`: any valid
   * token (e.g. `streams.cancel` of the caller's own stream).
   */
  scope: Scope | 'authenticated';
  /** Name of the param that holds the workspace name (checked against principal.workspaces). */
  workspaceParam?: string;
  /** Namespace param (default 'namespace', default value 'default'). */
  namespaceParam?: string;
  handler(params: P, ctx: CallContext): Promise<R>;
}

/** A group of methods built once at daemon start from the services. */
export type MethodModule = (services: ApiServices) => MethodDefinition[];

/** Stable API error codes (see server/rpc/errors.ts for the JSON-RPC code of each). */
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

/** Typed API error: stable code → JSON-RPC error code + `data.code`. */
export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly data?: unknown;
  constructor(code: ApiErrorCode, message: string, data?: unknown, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ApiError';
    this.code = code;
    if (data !== undefined) this.data = data;
  }
}

/** Services handlers use: the same ResourceClient and providers as the controllers. */
export interface ApiServices {
  client: ResourceClient;
  providers: ProviderRegistry;
  stateDir: string;
  /** The daemon's root logger. */
  logger: Logger;
  /**
   * The daemon's activity record: exec, logs and file calls on a workspace are its activity, and
   * wait for a workspace paused for idleness to wake (controllers/workspace/activity.ts).
   */
  activity?: ActivityTracker;
  /** Multi-user node mode (server/node/): confinement, limits and users; absent on a single-user daemon. */
  node?: NodeServices;
}
