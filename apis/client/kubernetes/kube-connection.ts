/**
 * One connection to a Kubernetes API server, described by a kubeconfig: server URL, TLS material
 * and credentials come from @kubernetes/client-node's KubeConfig (so tokens, client certificates
 * and exec/auth-provider plugins all work), requests go over one keep-alive agent owned here
 * (the library's fetch path would open a new TLS connection per request). JSON in, JSON out;
 * watches are read as a stream of lines.
 */
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeConfigOptions } from './kubeconfig.ts';
import { BoulderError } from '../../errors.ts';
import { DEFAULT_NAMESPACE } from '../../meta.ts';
import { errorFromResponse, type RequestContext } from './status-errors.ts';

/** Which kubeconfig and context to use (loaded by kubeconfig.ts), and the request timeout. */
export interface KubeConnectionOptions extends Omit<KubeConfigOptions, 'kubeConfig'> {
  /** Timeout of ordinary (non-watch) requests, ms (default 60 s). */
  requestTimeoutMs?: number;
}

/** An HTTP answer with its body parsed as JSON when it was JSON. */
export interface KubeResponse {
  status: number;
  body: unknown;
  text: string;
}

/** One request. `query` values that are undefined are left out. */
export interface KubeRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  /** Content-Type of the body (default application/json). */
  contentType?: string;
  /** Names the resource in messages (`workspaces.nexus.dev`). */
  resource?: string;
  signal?: AbortSignal;
}

/** A watch (or any streaming GET) whose 200 body is read line by line. */
export interface KubeLineStream {
  lines: AsyncIterable<string>;
}

const USER_AGENT = 'boulder';
const RETRYABLE_SOCKET_ERRORS = new Set(['ECONNRESET', 'EPIPE']);

/** Opens a connection (no request is made yet). */
export async function openKubeConnection(options: KubeConnectionOptions = {}): Promise<KubeConnection> {
  const { loadKubeConfig } = await import('./kubeconfig.ts');
  const kc = loadKubeConfig(options);
  return new KubeConnection(kc, options.requestTimeoutMs ?? 60_000);
}

/** Requests against the API server of one kubeconfig context. */
export class KubeConnection {
  /** API server URL, e.g. `https://127.0.0.1:6443`. */
  readonly server: string;
  /** Name of the context in use. */
  readonly contextName: string;
  /** The context's namespace, else `default`. */
  readonly namespace: string;
  private readonly kc: KubeConfig;
  private readonly requestTimeoutMs: number;
  private agent: http.Agent | undefined;
  private closed = false;

  /** Use `openKubeConnection`. */
  constructor(kc: KubeConfig, requestTimeoutMs: number) {
    this.kc = kc;
    this.requestTimeoutMs = requestTimeoutMs;
    this.server = (kc.getCurrentCluster()?.server ?? '').replace(/\/+$/, '');
    this.contextName = kc.getCurrentContext();
    this.namespace = kc.getContextObject(this.contextName)?.namespace ?? DEFAULT_NAMESPACE;
  }

  /** Sends one request and resolves with its answer; rejects with a BoulderError for 4xx/5xx. */
  async request(req: KubeRequest): Promise<KubeResponse> {
    const response = await this.send(req, false);
    if (response.status >= 400) throw errorFromResponse(response.status, response.body, response.text, this.context(req));
    return response;
  }

  /**
   * Starts a streaming GET. Resolves once the server answered 200 (a BoulderError otherwise); the
   * lines end when the server closes the stream, and the iteration fails on a broken connection.
   * Aborting `signal` ends it.
   */
  async stream(req: Omit<KubeRequest, 'method' | 'body' | 'contentType'>): Promise<KubeLineStream> {
    const { res } = await this.open({ ...req, method: 'GET' }, true, false);
    if (res.statusCode !== 200) {
      const text = await readText(res);
      throw errorFromResponse(res.statusCode ?? 500, parseJson(text), text, this.context({ ...req, method: 'GET' }));
    }
    return { lines: readLines(res) };
  }

  /** Closes idle keep-alive sockets and refuses further requests. Idempotent. */
  close(): void {
    this.closed = true;
    this.agent?.destroy();
  }

  private context(req: Pick<KubeRequest, 'method' | 'path' | 'resource'>): RequestContext {
    const context: RequestContext = { description: `${req.method} ${this.server}${req.path}` };
    if (req.resource !== undefined) context.resource = req.resource;
    return context;
  }

  private async send(req: KubeRequest, isRetry: boolean): Promise<KubeResponse> {
    let opened: { res: http.IncomingMessage; reused: boolean };
    try {
      opened = await this.open(req, false, isRetry);
    } catch (err) {
      if (!isRetry && err instanceof RetryableSocketError) return this.send(req, true);
      throw err;
    }
    let text: string;
    try {
      text = await readText(opened.res);
    } catch (err) {
      if (err instanceof BoulderError || (err as Error).name === 'AbortError') throw err;
      throw this.unreachable(err as NodeJS.ErrnoException);
    }
    return { status: opened.res.statusCode ?? 0, body: parseJson(text), text };
  }

  /** Sends the request; resolves with the response head. */
  private async open(
    req: KubeRequest,
    streaming: boolean,
    isRetry: boolean,
  ): Promise<{ res: http.IncomingMessage; reused: boolean }> {
    if (this.closed) throw new BoulderError('Unavailable', `the Kubernetes client for ${this.server} is closed`);
    const url = new URL(this.server + req.path);
    for (const [key, value] of Object.entries(req.query ?? {})) if (value !== undefined) url.searchParams.set(key, value);
    const options: https.RequestOptions = {};
    await this.kc.applyToHTTPSOptions(options);
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': USER_AGENT,
      ...(options.headers as Record<string, string> | undefined),
    };
    let payload: string | undefined;
    if (req.body !== undefined) {
      payload = JSON.stringify(req.body);
      headers['Content-Type'] = req.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    const agent = this.agentFor(options);
    const transport = url.protocol === 'http:' ? http : https;
    return new Promise((resolvePromise, reject) => {
      const request = transport.request(url, {
        method: req.method,
        headers,
        agent,
        ...(options.auth === undefined ? {} : { auth: options.auth }),
        ...(req.signal === undefined ? {} : { signal: req.signal }),
      });
      let timer: NodeJS.Timeout | undefined;
      if (!streaming) {
        timer = setTimeout(() => {
          request.destroy(new BoulderError('Timeout', `${req.method} ${url.href} got no answer within ${this.requestTimeoutMs} ms`));
        }, this.requestTimeoutMs);
      }
      request.on('response', (res) => {
        if (timer !== undefined) res.on('end', () => clearTimeout(timer)).on('close', () => clearTimeout(timer));
        resolvePromise({ res, reused: request.reusedSocket });
      });
      request.on('error', (err: NodeJS.ErrnoException) => {
        if (timer !== undefined) clearTimeout(timer);
        if (err instanceof BoulderError) return reject(err);
        if (err.name === 'AbortError') return reject(err);
        // A keep-alive socket the server had closed meanwhile: the request never got there.
        if (request.reusedSocket && !isRetry && err.code !== undefined && RETRYABLE_SOCKET_ERRORS.has(err.code)) {
          return reject(new RetryableSocketError(err));
        }
        reject(this.unreachable(err));
      });
      request.end(payload);
    });
  }

  private unreachable(err: NodeJS.ErrnoException): BoulderError {
    return new BoulderError(
      'Unavailable',
      `cannot reach the Kubernetes API server ${this.server} (context "${this.contextName}"): ${err.message}`,
      { cause: err },
    );
  }

  /** One keep-alive agent with the kubeconfig's TLS material; a proxy agent from the library as is. */
  private agentFor(options: https.RequestOptions): http.Agent | undefined {
    if (this.kc.getCurrentCluster()?.proxyUrl !== undefined) return options.agent as http.Agent | undefined;
    if (this.agent !== undefined) return this.agent;
    if (this.server.startsWith('http:')) {
      this.agent = new http.Agent({ keepAlive: true });
    } else {
      const tls: https.AgentOptions = { keepAlive: true, keepAliveMsecs: 30_000 };
      if (options.ca !== undefined) tls.ca = options.ca;
      if (options.cert !== undefined) tls.cert = options.cert;
      if (options.key !== undefined) tls.key = options.key;
      if (options.pfx !== undefined) tls.pfx = options.pfx;
      if (options.passphrase !== undefined) tls.passphrase = options.passphrase;
      if (options.rejectUnauthorized !== undefined) tls.rejectUnauthorized = options.rejectUnauthorized;
      if (options.servername !== undefined) tls.servername = options.servername;
      this.agent = new https.Agent(tls);
    }
    return this.agent;
  }
}

/** A reused keep-alive socket failed before the answer: safe to send once more. */
class RetryableSocketError extends Error {
  constructor(cause: Error) {
    super(cause.message, { cause });
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

async function readText(res: http.IncomingMessage): Promise<string> {
  res.setEncoding('utf8');
  let text = '';
  for await (const chunk of res) text += chunk as string;
  return text;
}

async function* readLines(res: http.IncomingMessage): AsyncIterable<string> {
  res.setEncoding('utf8');
  let buffer = '';
  try {
    for await (const chunk of res) {
      buffer += chunk as string;
      let newline = buffer.indexOf('\n');
      while (newline >= 0) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        if (line !== '') yield line;
        newline = buffer.indexOf('\n');
      }
    }
  } finally {
    res.destroy();
  }
  const rest = buffer.trim();
  if (rest !== '') yield rest;
}
