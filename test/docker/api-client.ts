/**
 * Test client of the daemon API for the files/exec/logs suites: the SDK's workspace helpers
 * (sdk/typescript/src/fs.ts, exec.ts, logs.ts) over one authenticated connection to the daemon's
 * unix socket. The connection is a minimal JSON-RPC caller on `ws` (calls, `$/cancelRequest` on
 * abort, notifications routed by stream id), standing in for the SDK core until it is merged.
 */
import WebSocket from 'ws';
import { exec, startExec, type ExecHandle, type ExecOptions, type ExecResult } from '../../sdk/typescript/src/exec.ts';
import { WorkspaceFs } from '../../sdk/typescript/src/fs.ts';
import { logs, type LogChunk, type LogsOptions } from '../../sdk/typescript/src/logs.ts';
import type { StreamCaller, StreamNotification } from '../../sdk/typescript/src/stream-caller.ts';

/** An API error as the test sees it: the stable code from `error.data.code`. */
export class ApiCallError extends Error {
  readonly code: string;
  readonly data: unknown;
  constructor(message: string, code: string, data: unknown) {
    super(message);
    this.code = code;
    this.data = data;
  }
}

/** One workspace's helpers. */
export interface ApiTestWorkspace {
  fs: WorkspaceFs;
  exec(command: string[], options?: ExecOptions): Promise<ExecResult>;
  startExec(command: string[], options?: ExecOptions): Promise<ExecHandle>;
  logs(options?: LogsOptions): AsyncIterable<LogChunk>;
}

/** A connected client. */
export interface ApiTestClient extends StreamCaller {
  workspace(name: string, namespace?: string): ApiTestWorkspace;
  close(): Promise<void>;
}

function errorOf(error: { code: number; message: string; data?: { code?: string } }): ApiCallError {
  return new ApiCallError(error.message, error.data?.code ?? String(error.code), error.data);
}

/** Connects to the API at unix socket `socket` with `token` (Authorization header on the upgrade). */
export async function connectApi(socket: string, token: string): Promise<ApiTestClient> {
  const ws = new WebSocket(`ws+unix://${socket}:/`, { headers: { authorization: `Bearer ${token}` }, maxPayload: 64 * 1024 * 1024 });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let next = 0;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  const listeners = new Map<string, (note: StreamNotification) => void>();
  ws.on('message', (raw: Buffer) => {
    const message = JSON.parse(raw.toString('utf8')) as { id?: number; result?: unknown; error?: { code: number; message: string; data?: { code?: string } }; method?: string; params?: { stream?: string } };
    if (message.method !== undefined) {
      const stream = message.params?.stream;
      if (stream !== undefined) listeners.get(stream)?.({ method: message.method, params: message.params as StreamNotification['params'] });
      return;
    }
    const call = message.id === undefined ? undefined : pending.get(message.id);
    if (call === undefined) return;
    pending.delete(message.id as number);
    if (message.error !== undefined) call.reject(errorOf(message.error));
    else call.resolve(message.result);
  });
  ws.on('close', () => {
    for (const call of pending.values()) call.reject(new ApiCallError('connection closed', 'Unavailable', undefined));
    pending.clear();
  });
  const caller: StreamCaller = {
    call<R>(method: string, params: Record<string, unknown>, options: { signal?: AbortSignal } = {}): Promise<R> {
      options.signal?.throwIfAborted();
      const id = ++next;
      return new Promise<R>((resolve, reject) => {
        const onAbort = (): void => {
          ws.send(JSON.stringify({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id } }));
          pending.delete(id);
          reject(options.signal?.reason as Error);
        };
        options.signal?.addEventListener('abort', onAbort, { once: true });
        pending.set(id, {
          resolve: (value) => {
            options.signal?.removeEventListener('abort', onAbort);
            resolve(value as R);
          },
          reject: (err) => {
            options.signal?.removeEventListener('abort', onAbort);
            reject(err);
          },
        });
        ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
      });
    },
    subscribe(stream, listener) {
      listeners.set(stream, listener);
      return () => listeners.delete(stream);
    },
  };
  const streamError = (error: { code: number; message: string; data?: unknown }): Error => errorOf(error as { code: number; message: string; data?: { code?: string } });
  return {
    ...caller,
    workspace(name, namespace) {
      const target = namespace === undefined ? { workspace: name } : { workspace: name, namespace };
      return {
        fs: new WorkspaceFs(caller, name, namespace, streamError),
        exec: (command, options) => exec(caller, target, command, options, streamError),
        startExec: (command, options) => startExec(caller, target, command, options, streamError),
        logs: (options) => logs(caller, target, options, streamError),
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (ws.readyState === WebSocket.CLOSED) resolve();
        ws.once('close', () => resolve());
        ws.close();
      }),
  };
}
