/**
 * A thin client of the Sprites API (../../../../shared reference: REST on `/v1/sprites…`, WebSockets
 * for exec and proxy) on Node's `fetch` and the `ws` WebSocket client. Chosen over the official
 * `@fly/sprites` SDK (0.1.0) because the provider needs what the SDK does not give: cancellation of
 * every REST call by the caller's AbortSignal (the SDK only has fixed timeouts), waiting out a 429
 * as the API asks (the SDK only exposes the fields), the HTTP status of a refused WebSocket upgrade
 * (401, 404, 429 — the SDK's WebSocket reports "unknown"), and a proxy *dialer* per connection for
 * boulder's own port forwarders (the SDK listens on a local port itself).
 *
 * The token comes from `token()` at each request and goes only into the Authorization header: it
 * is never part of a URL, a message or a log line.
 */
import WebSocket from 'ws';
import { errorFromNetwork, errorFromResponse, SpriteApiError } from './api-errors.ts';

/** Default API base URL. */
export const DEFAULT_API_URL = 'https://api.sprites.dev';

/** Options of the client. */
export interface SpriteClientOptions {
  /** Base URL of the API (default https://api.sprites.dev). */
  apiUrl?: string;
  /** The API token (read at each request; resolved from the configuration's secret source). */
  token: () => Promise<string>;
  /** How many times a 429 is waited out before failing with SpriteRateLimited; default 3. */
  rateLimitRetries?: number;
  /** Longest wait a 429 may ask for and still be waited out in the call, ms; default 30 s. */
  maxRetryWaitMs?: number;
  /** Timeout of one REST request, ms; default 30 s (checkpoint and restore streams: 5 min). */
  timeoutMs?: number;
}

/** One REST request. */
export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Query parameters; arrays repeat the key. */
  query?: Record<string, string | string[] | undefined>;
  /** JSON body. */
  json?: unknown;
  /** Raw body (fs write). */
  body?: Uint8Array;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** An answer read whole. */
export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
}

/** See the module comment. */
export class SpriteClient {
  readonly apiUrl: string;
  readonly #options: SpriteClientOptions;

  constructor(options: SpriteClientOptions) {
    this.apiUrl = (options.apiUrl ?? DEFAULT_API_URL).replace(/\/+$/, '');
    this.#options = options;
  }

  /** The URL of `path` (starting with `/v1/`) with `query`. */
  url(path: string, query: RequestOptions['query'] = {}, scheme: 'http' | 'ws' = 'http'): URL {
    const base = scheme === 'ws' ? this.apiUrl.replace(/^http/, 'ws') : this.apiUrl;
    const url = new URL(base + path);
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(key, v);
    }
    return url;
  }

  /**
   * Sends a request and returns the answer when it is 2xx; throws SpriteApiError otherwise. A 429
   * is waited out (its retry_after_seconds or Retry-After) up to `rateLimitRetries` times.
   */
  async request(path: string, options: RequestOptions = {}): Promise<ApiResponse> {
    const method = options.method ?? 'GET';
    const what = `${method} ${path}`;
    for (let attempt = 0; ; attempt++) {
      const response = await this.#send(path, options, what);
      const text = await response.text().catch(() => '');
      if (response.status < 300) return { status: response.status, headers: response.headers, text };
      const error = errorFromResponse(what, response.status, text, response.headers.get('retry-after'));
      await this.#waitOutRateLimit(error, attempt, options.signal);
    }
  }

  /** Sends a request whose 2xx answer is NDJSON; yields each parsed line (non-JSON lines as `{type:"text", data}`). */
  async *ndjson(path: string, options: RequestOptions = {}): AsyncGenerator<Record<string, unknown>> {
    const method = options.method ?? 'POST';
    const what = `${method} ${path}`;
    let response: Response;
    for (let attempt = 0; ; attempt++) {
      response = await this.#send(path, { ...options, method, timeoutMs: options.timeoutMs ?? 300_000 }, what);
      if (response.status < 300) break;
      const text = await response.text().catch(() => '');
      await this.#waitOutRateLimit(errorFromResponse(what, response.status, text, response.headers.get('retry-after')), attempt, options.signal);
    }
    if (response.body === null) return;
    const decoder = new TextDecoder();
    let buffered = '';
    try {
      for await (const chunk of response.body) {
        buffered += decoder.decode(chunk, { stream: true });
        let newline: number;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          if (line !== '') yield parseLine(line);
        }
      }
    } catch (err) {
      throw errorFromNetwork(`${what} (reading the stream)`, err);
    }
    if (buffered.trim() !== '') yield parseLine(buffered.trim());
  }

  /** GET/POST… and parse the JSON answer. */
  async json<T>(path: string, options: RequestOptions = {}): Promise<T> {
    const { text } = await this.request(path, options);
    if (text.trim() === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new SpriteApiError('SpriteApiUnavailable', `Sprites API ${options.method ?? 'GET'} ${path}: the answer is not JSON`, { transient: true, cause: err });
    }
  }

  /**
   * Opens a WebSocket to `path`; resolves once it is open, **paused**: messages the server sent
   * right after the upgrade (exec's session_info) wait until the caller attached its listeners and
   * calls `resume()`. A refused upgrade becomes the SpriteApiError of its HTTP status (a 429 is
   * waited out like a REST call).
   */
  async openSocket(path: string, query: RequestOptions['query'] = {}, signal?: AbortSignal): Promise<WebSocket> {
    const what = `WS ${path}`;
    for (let attempt = 0; ; attempt++) {
      const token = await this.#token();
      const outcome = await new Promise<WebSocket | SpriteApiError>((resolve) => {
        const socket = new WebSocket(this.url(path, query, 'ws'), { headers: { Authorization: `Bearer ${token}` }, perMessageDeflate: false });
        const onAbort = (): void => {
          socket.terminate();
          resolve(new SpriteApiError('SpriteApiUnavailable', `${what}: cancelled`, { transient: true }));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        socket.once('open', () => {
          signal?.removeEventListener('abort', onAbort);
          socket.pause();
          resolve(socket);
        });
        socket.once('unexpected-response', (_req, res) => {
          signal?.removeEventListener('abort', onAbort);
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body = (body + c).slice(0, 4096)));
          res.on('end', () => {
            const retry = res.headers['retry-after'];
            resolve(errorFromResponse(what, res.statusCode ?? 0, body, Array.isArray(retry) ? retry[0] : retry));
            socket.terminate();
          });
          res.on('error', () => resolve(errorFromResponse(what, res.statusCode ?? 0, body, undefined)));
        });
        socket.once('error', (err) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(errorFromNetwork(what, err));
        });
      });
      if (!(outcome instanceof SpriteApiError)) {
        outcome.on('error', () => undefined);
        return outcome;
      }
      await this.#waitOutRateLimit(outcome, attempt, signal);
    }
  }

  async #send(path: string, options: RequestOptions, what: string): Promise<Response> {
    const headers: Record<string, string> = { Authorization: `Bearer ${await this.#token()}` };
    let body: string | Uint8Array | undefined;
    if (options.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.body !== undefined) {
      headers['Content-Type'] = 'application/octet-stream';
      body = options.body;
    }
    const timeout = AbortSignal.timeout(options.timeoutMs ?? this.#options.timeoutMs ?? 30_000);
    const signal = options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout]);
    try {
      return await fetch(this.url(path, options.query), { method: options.method ?? 'GET', headers, ...(body !== undefined ? { body } : {}), signal });
    } catch (err) {
      throw errorFromNetwork(what, err);
    }
  }

  /** Waits as a 429 asks, or rethrows `error` (anything else, too many attempts, or too long a wait). */
  async #waitOutRateLimit(error: SpriteApiError, attempt: number, signal: AbortSignal | undefined): Promise<void> {
    if (error.reason !== 'SpriteRateLimited') throw error;
    const wait = error.retryAfterMs ?? 1000;
    if (attempt >= (this.#options.rateLimitRetries ?? 3) || wait > (this.#options.maxRetryWaitMs ?? 30_000)) throw error;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, wait);
      signal?.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          reject(error);
        },
        { once: true },
      );
    });
  }

  async #token(): Promise<string> {
    let token: string;
    try {
      token = await this.#options.token();
    } catch (err) {
      // The source names where the token should come from (a variable, a file, a keychain item), never its value.
      throw new SpriteApiError('SpriteNotConfigured', `the sprite backend has no API token: ${err instanceof Error ? err.message : String(err)}`, { transient: false, cause: err });
    }
    if (token === '') throw new SpriteApiError('SpriteNotConfigured', 'the sprite backend has an empty API token (backends.sprite.api_key)', { transient: false });
    return token;
  }
}

function parseLine(line: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : { type: 'text', data: String(parsed) };
  } catch {
    return { type: 'text', data: line };
  }
}
