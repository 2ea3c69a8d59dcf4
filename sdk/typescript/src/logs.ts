/**
 * A workspace's container output through the daemon API, as `boulder logs`:
 * `for await (const chunk of client.workspace('api').logs({ follow: true, signal }))`.
 */
import { followStream, type CallOptions } from './fs.ts';
import { fromBase64, type StreamCaller } from './stream-caller.ts';

/** Options of `logs`. */
export interface LogsOptions extends CallOptions {
  /** Keep streaming new output until the container stops or `signal` aborts. */
  follow?: boolean;
  /** Only the last N lines. */
  tail?: number;
  /** Logs of this service container. */
  service?: string;
}

/** One piece of output. */
export interface LogChunk {
  fd: 'stdout' | 'stderr';
  data: Uint8Array;
}

/** The output of the workspace's container, piece by piece; ends with the logs (or `signal`). */
export async function* logs(caller: StreamCaller, target: { workspace: string; namespace?: string }, options: LogsOptions = {}): AsyncIterable<LogChunk> {
  const params: Record<string, unknown> = { ...target };
  if (options.follow === true) params.follow = true;
  if (options.tail !== undefined) params.tail = options.tail;
  if (options.service !== undefined) params.service = options.service;
  const { stream } = await caller.call<{ stream: string }>('logs.read', params, options);
  try {
    for await (const note of followStream(caller, stream, options.signal)) {
      if (note.method === 'logs.output') yield { fd: note.params.fd === 'stderr' ? 'stderr' : 'stdout', data: fromBase64(note.params.data as string) };
    }
  } catch (err) {
    // Following ends normally when the caller aborts.
    if (options.signal?.aborted === true && options.follow === true) return;
    throw err;
  }
}
