/**
 * The client: one WebSocket multiplexing JSON-RPC calls, notifications routed to streams by their
 * `stream` id, cancellation with AbortSignal (`$/cancelRequest`), typed errors, and reconnection
 * with exponential backoff and jitter — watches then resume from the last resourceVersion they
 * delivered (from scratch, with ADDED events, when the daemon says that version is Gone).
 */
import { ApiError, fromJsonRpcError } from './errors.ts';
import type { ApiMethods, KubeObject, ServerInfoResult } from './generated/api.ts';
import { openSocket, type Endpoint, type SocketLike } from './socket.ts';
import type { CallOptions, StreamHandler } from './call-types.ts';
import { WorkspaceHandle } from './workspace.ts';

export type { CallOptions, StreamHandler } from './call-types.ts';

/** How to reconnect after the connection drops (not after close(), nor after an auth refusal). */
export interface ReconnectOptions {
  /** First delay; doubles each attempt (default 100 ms). */
  initialDelayMs?: number;
  /** Largest delay (default 5 s). */
  maxDelayMs?: number;
  /** Attempts before giving up (default unlimited). */
  maxAttempts?: number;
}

/** Options of connect(). */
export interface ConnectOptions {
  /** The daemon's unix socket, e.g. `~/.nexus/state/api.sock` (needs the `ws` package). */
  socket?: string;
  /** A `ws://` or `wss://` URL of the daemon's TCP listener. */
  url?: string;
  /** The token (`boulder token create`), or a function returning a fresh one (called on each reconnect). */
  token: string | (() => string | Promise<string>);
  /** Reconnect with backoff (default on); false: a dropped connection stays closed. */
  reconnect?: boolean | ReconnectOptions;
}

/** One change a watch reports. */
export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: T;
}

/** Options of watch(). */
export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  /** Deliver only changes after this version; unset: ADDED for every existing object first. */
  resourceVersion?: string;
  /** Ends the iteration. */
  signal?: AbortSignal;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: ApiError): void;
}

/** The connect-time answer: what the daemon serves. */
export type ServerInfo = ServerInfoResult;

type MethodName = keyof ApiMethods;

/** Connects and authenticates; rejects with ApiError('Unauthenticated') when the token is refused. */
export async function connect(options: ConnectOptions): Promise<Client> {
  const client = new Client(options);
  await client.open();
  return client;
}

/** A connection to the boulder daemon API. */
export class Client {
  private readonly options: ConnectOptions;
  private readonly endpoint: Endpoint;
  private socket: SocketLike | undefined;
  private readonly pending = new Map<number, Pending>();
  private readonly streams = new Map<string, StreamHandler>();
  private readonly early = new Map<string, [string, Record<string, unknown>][]>();
  private readonly listeners = new Map<string, Set<(params: unknown) => void>>();
  private readonly reconnectHooks = new Set<(err?: ApiError) => void>();
  private nextId = 1;
  private refusal: ApiError | undefined;
  /** Why the connection ended for good (a refused token…), reported by calls made afterwards. */
  private finalError: ApiError | undefined;
  private closedByUser = false;
  private reconnecting: Promise<void> | undefined;
  private establishing = false;
  /** What the daemon answered at connect (version, methods, message size limit). */
  info: ServerInfo | undefined;

  /** Resource methods with the ResourceClient's semantics. */
  readonly resources = {
    get: <T extends KubeObject = KubeObject>(kind: ApiMethods['resources.get']['params']['kind'], name: string, options: { namespace?: string } & CallOptions = {}) =>
      this.call('resources.get', { kind, name, ...(options.namespace === undefined ? {} : { namespace: options.namespace }) }, options) as Promise<T>,
    list: (kind: ApiMethods['resources.list']['params']['kind'], options: { namespace?: string; labelSelector?: string } & CallOptions = {}) =>
      this.call('resources.list', { kind, ...pick(options, ['namespace', 'labelSelector']) }, options),
    apply: (object: KubeObject, options: { dryRun?: boolean; fieldManager?: string } & CallOptions = {}) => this.call('resources.apply', { object, ...pick(options, ['dryRun', 'fieldManager']) }, options),
    delete: (kind: ApiMethods['resources.delete']['params']['kind'], name: string, options: { namespace?: string; resourceVersion?: string } & CallOptions = {}) =>
      this.call('resources.delete', { kind, name, ...pick(options, ['namespace', 'resourceVersion']) }, options),
  };

  /** Workspaces: list and lifecycle. */
  readonly workspaces = {
    list: async (options: { namespace?: string; labelSelector?: string } & CallOptions = {}) => (await this.resources.list('Workspace', options)).items,
    get: (name: string, options: { namespace?: string } & CallOptions = {}) => this.resources.get('Workspace', name, options),
    start: (name: string, options: { namespace?: string } & CallOptions = {}) => this.call('workspaces.start', { name, ...pick(options, ['namespace']) }, options),
    stop: (name: string, options: { namespace?: string } & CallOptions = {}) => this.call('workspaces.stop', { name, ...pick(options, ['namespace']) }, options),
    pause: (name: string, options: { namespace?: string } & CallOptions = {}) => this.call('workspaces.pause', { name, ...pick(options, ['namespace']) }, options),
    switch: (name: string, options: { namespace?: string } & CallOptions = {}) => this.call('workspaces.switch', { name, ...pick(options, ['namespace']) }, options),
    ports: async (name: string, options: { namespace?: string } & CallOptions = {}) => (await this.call('workspaces.ports', { name, ...pick(options, ['namespace']) }, options)).ports,
  };

  constructor(options: ConnectOptions) {
    this.options = options;
    if ((options.socket === undefined) === (options.url === undefined)) throw new TypeError('connect() needs exactly one of socket and url');
    this.endpoint = options.socket !== undefined ? { socket: options.socket } : { url: options.url as string };
  }

  /** Opens the connection (connect() calls it). */
  async open(): Promise<void> {
    await this.establish();
  }

  private async token(): Promise<string> {
    return typeof this.options.token === 'string' ? this.options.token : await this.options.token();
  }

  private async establish(): Promise<void> {
    this.refusal = undefined;
    this.establishing = true;
    try {
      let opened: SocketLike | undefined;
      await openSocket(this.endpoint, await this.token(), {
        onopen: (socket) => {
          opened = socket;
          this.socket = socket;
        },
        onmessage: (event) => this.onMessage(event.data),
        onclose: (event) => {
          if (opened !== undefined) this.onClose(opened, event.code, event.reason);
        },
      });
      // The upgrade carried the token; a refused one is answered with an error and close 4401,
      // which rejects this first call.
      this.info = await this.call('server.info', {});
    } finally {
      this.establishing = false;
    }
  }

  /** A handle on one workspace (api-files adds `fs`, `exec`, `logs` to it). */
  workspace(name: string, options: { namespace?: string } = {}): WorkspaceHandle<Client> {
    return new WorkspaceHandle(this, name, options.namespace ?? 'default');
  }

  /** Calls a method; rejects with ApiError. */
  call<M extends MethodName>(method: M, params: ApiMethods[M]['params'], options: CallOptions = {}): Promise<ApiMethods[M]['result']> {
    return this.callRaw(method, params, options) as Promise<ApiMethods[M]['result']>;
  }

  /** Calls a method by name without static types (methods newer than this SDK's types). */
  async callRaw(method: string, params: unknown, options: CallOptions = {}): Promise<unknown> {
    const { signal } = options;
    if (signal?.aborted) throw new ApiError('Cancelled', 'the call was cancelled before it was sent');
    // While disconnected, calls fail at once (Unavailable) rather than wait for a daemon that may
    // not come back; the client reconnects in the background and watches resume by themselves.
    const socket = this.socket;
    if (socket === undefined || socket.readyState !== 1) {
      if (this.closedByUser) throw new ApiError('Unavailable', 'the client is closed');
      if (this.reconnecting !== undefined) throw new ApiError('Unavailable', 'not connected to the daemon (reconnecting)');
      // A closing socket (the close frame came, the close event not yet) reports the daemon's reason.
      throw this.finalError ?? this.refusal ?? new ApiError('Unavailable', 'not connected to the daemon');
    }
    const id = this.nextId++;
    const frame = JSON.stringify({ jsonrpc: '2.0', id, method, params });
    const limit = this.info?.maxPayload;
    if (limit !== undefined && Buffer.byteLength(frame) > limit) throw new ApiError('TooLarge', `the ${method} message is ${Buffer.byteLength(frame)} bytes; the daemon accepts at most ${limit}`);
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        if (!this.pending.delete(id)) return;
        if (socket.readyState === 1) socket.send(JSON.stringify({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id } }));
        reject(new ApiError('Cancelled', `${method} was cancelled`));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        resolve: (value) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(value);
        },
        reject: (err) => {
          signal?.removeEventListener('abort', onAbort);
          reject(err);
        },
      });
      socket.send(frame);
    });
  }

  /**
   * Routes the notifications of stream `id` (returned by a call such as resources.watch) to
   * `handler` until it ends; notifications that arrived before registration are replayed. Returns
   * an unregister function. Streams end (with ApiError('Unavailable')) when the connection drops.
   */
  registerStream(id: string, handler: StreamHandler): () => void {
    this.streams.set(id, handler);
    const early = this.early.get(id);
    this.early.delete(id);
    for (const [method, params] of early ?? []) this.deliver(method, params);
    return () => {
      if (this.streams.get(id) === handler) this.streams.delete(id);
    };
  }

  /** Listens to notifications of `method` that belong to no stream. */
  onNotification(method: string, listener: (params: unknown) => void): () => void {
    let set = this.listeners.get(method);
    if (set === undefined) this.listeners.set(method, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /**
   * Hears every reconnection (no argument) and the final failure to reconnect (the error):
   * owners of streams re-open them here.
   */
  onReconnect(hook: (err?: ApiError) => void): () => void {
    this.reconnectHooks.add(hook);
    return () => this.reconnectHooks.delete(hook);
  }

  /** Watches a kind: an async iterator of events, resumed across reconnects from the last resourceVersion. */
  watch<T extends KubeObject = KubeObject>(kind: ApiMethods['resources.watch']['params']['kind'], options: WatchOptions = {}): AsyncIterable<WatchEvent<T>> {
    return { [Symbol.asyncIterator]: () => watchIterator<T>(this, kind, options) };
  }

  /** Closes the connection; pending calls reject with Unavailable. */
  close(): void {
    this.closedByUser = true;
    this.socket?.close(1000, 'client closed');
  }

  private onMessage(data: unknown): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(typeof data === 'string' ? data : String(data));
    } catch {
      return;
    }
    for (const message of Array.isArray(parsed) ? parsed : [parsed]) {
      if (typeof message !== 'object' || message === null) continue;
      const m = message as { id?: unknown; method?: unknown; params?: unknown; result?: unknown; error?: { code?: unknown; message?: unknown; data?: unknown } };
      if (typeof m.method === 'string') {
        this.deliver(m.method, (m.params ?? {}) as Record<string, unknown>);
      } else if (typeof m.id === 'number') {
        const pending = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (m.error !== undefined) pending?.reject(fromJsonRpcError(m.error));
        else pending?.resolve(m.result);
      } else if (m.id === null && m.error !== undefined) {
        this.refusal = fromJsonRpcError(m.error);
      }
    }
  }

  private deliver(method: string, params: Record<string, unknown>): void {
    const stream = typeof params.stream === 'string' ? params.stream : undefined;
    if (stream === undefined) {
      for (const listener of this.listeners.get(method) ?? []) listener(params);
      return;
    }
    const handler = this.streams.get(stream);
    if (handler === undefined) {
      const list = this.early.get(stream) ?? [];
      if (list.length < 10_000) list.push([method, params]);
      this.early.set(stream, list);
      return;
    }
    if (method === 'stream.end') {
      this.streams.delete(stream);
      handler.end(params.error === undefined ? undefined : fromJsonRpcError(params.error as Record<string, unknown>));
    } else {
      handler.notification(method, params);
    }
  }

  private onClose(socket: SocketLike, code: number, reason: string): void {
    if (socket !== this.socket) return;
    this.socket = undefined;
    const err =
      code === 4401
        ? (this.refusal ?? new ApiError('Unauthenticated', reason || 'the daemon refused the token'))
        : code === 1009
          ? new ApiError('TooLarge', 'a message was larger than the daemon accepts; the connection was closed')
          : new ApiError('Unavailable', `the connection to the daemon closed (${code}${reason ? ` ${reason}` : ''})`);
    for (const pending of this.pending.values()) pending.reject(err);
    this.pending.clear();
    const streams = [...this.streams.values()];
    this.streams.clear();
    this.early.clear();
    if (this.establishing) return;
    const reconnect = this.options.reconnect ?? true;
    if (this.closedByUser || code === 4401 || reconnect === false) {
      this.finalError = err;
      for (const stream of streams) stream.end(err);
      for (const hook of this.reconnectHooks) hook(err);
      return;
    }
    this.reconnecting = this.reconnectLoop(reconnect === true ? {} : reconnect).finally(() => {
      this.reconnecting = undefined;
    });
  }

  private async reconnectLoop(options: ReconnectOptions): Promise<void> {
    const initial = options.initialDelayMs ?? 100;
    const max = options.maxDelayMs ?? 5000;
    const attempts = options.maxAttempts ?? Number.POSITIVE_INFINITY;
    let lastError: ApiError = new ApiError('Unavailable', 'could not reconnect to the daemon');
    for (let attempt = 0; attempt < attempts && !this.closedByUser; attempt++) {
      const delay = Math.min(max, initial * 2 ** attempt) * (0.5 + Math.random() * 0.5);
      await new Promise((resolve) => setTimeout(resolve, delay));
      try {
        await this.establish();
        for (const hook of this.reconnectHooks) hook();
        return;
      } catch (err) {
        lastError = err instanceof ApiError ? err : new ApiError('Unavailable', err instanceof Error ? err.message : String(err));
        if (lastError.code === 'Unauthenticated') break;
      }
    }
    this.finalError = lastError;
    for (const hook of this.reconnectHooks) hook(lastError);
  }
}

function pick<T extends object, K extends keyof T>(source: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  return out;
}

type Item<T extends KubeObject> = { event: WatchEvent<T> } | { end: ApiError | undefined } | { dropped: true } | { resumed: ApiError | undefined };

async function* watchIterator<T extends KubeObject>(client: Client, kind: ApiMethods['resources.watch']['params']['kind'], options: WatchOptions): AsyncGenerator<WatchEvent<T>> {
  let resourceVersion = options.resourceVersion;
  const queue: Item<T>[] = [];
  let wake: (() => void) | undefined;
  const push = (item: Item<T>): void => {
    queue.push(item);
    wake?.();
  };
  let stream: string | undefined;
  let unregister: (() => void) | undefined;
  const subscribe = async (): Promise<void> => {
    const params = { kind, ...pick(options, ['namespace', 'labelSelector']), ...(resourceVersion === undefined ? {} : { resourceVersion }) };
    const opened = await client.call('resources.watch', params, options.signal === undefined ? {} : { signal: options.signal });
    stream = opened.stream;
    unregister = client.registerStream(opened.stream, {
      notification: (method, p) => {
        if (method === 'resources.event') push({ event: { type: p.type as WatchEvent['type'], object: p.object as T } });
      },
      end: (error) => push(error?.code === 'Unavailable' ? { dropped: true } : { end: error }),
    });
  };
  const offReconnect = client.onReconnect((err) => push({ resumed: err }));
  const onAbort = (): void => wake?.();
  options.signal?.addEventListener('abort', onAbort);
  try {
    await subscribe();
    for (;;) {
      while (queue.length === 0) {
        if (options.signal?.aborted) return;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
      if (options.signal?.aborted) return;
      const item = queue.shift() as Item<T>;
      if ('event' in item) {
        resourceVersion = item.event.object.metadata.resourceVersion ?? resourceVersion;
        yield item.event;
      } else if ('end' in item) {
        if (item.end === undefined) return;
        if (item.end.code !== 'Gone') throw item.end;
        resourceVersion = undefined;
        await subscribe();
      } else if ('resumed' in item) {
        if (item.resumed !== undefined) throw item.resumed;
        await subscribe();
      }
      // 'dropped': the connection fell; wait for the reconnection's 'resumed'.
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    offReconnect();
    unregister?.();
    if (stream !== undefined) client.callRaw('streams.cancel', { stream }).catch(() => undefined);
  }
}
