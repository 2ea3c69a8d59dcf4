/**
 * Commands in a workspace through the daemon API: `client.workspace('api').exec(['npm', 'test'],
 * { onStdout })` resolves with the exit code (and the output, when no callback takes it);
 * `startExec` gives a handle to write stdin, resize a TTY and kill.
 */
import { followStream, type CallOptions } from './fs.ts';
import { bytesOf, fromBase64, toBase64, type StreamCaller } from './stream-caller.ts';

/** Options of `exec` and `startExec`. */
export interface ExecOptions extends CallOptions {
  /** Receives stdout as it arrives (else it is collected into the result). */
  onStdout?: (data: Uint8Array) => void;
  /** Receives stderr as it arrives (else it is collected into the result). */
  onStderr?: (data: Uint8Array) => void;
  /** Input for the command: sent, then stdin is closed. `true` (startExec): write it yourself. */
  stdin?: string | Uint8Array | AsyncIterable<Uint8Array> | true;
  tty?: boolean;
  columns?: number;
  rows?: number;
  env?: Record<string, string>;
  workdir?: string;
  /** Run in this service container. */
  service?: string;
}

/** How a command ended. */
export interface ExecResult {
  /** The command's exit code; undefined when it was killed or cancelled before it reported one. */
  exitCode: number | undefined;
  /** Collected output (UTF-8), when no `onStdout`/`onStderr` took it. */
  stdout: string;
  stderr: string;
}

/** A running command. */
export interface ExecHandle {
  /** Sends bytes to stdin (resolves when the command's side took them). */
  write(data: string | Uint8Array): Promise<void>;
  closeStdin(): Promise<void>;
  resize(columns: number, rows: number): Promise<void>;
  /** Cancels the command (the daemon's provider kills it; see exec.kill in the API description). */
  kill(): Promise<void>;
  /** Resolves when the command ended. */
  done: Promise<ExecResult>;
}

/** Starts `command` in the workspace and returns its handle. */
export async function startExec(caller: StreamCaller, target: { workspace: string; namespace?: string }, command: string[], options: ExecOptions = {}): Promise<ExecHandle> {
  const params: Record<string, unknown> = { ...target, command };
  for (const key of ['tty', 'columns', 'rows', 'env', 'workdir', 'service'] as const) if (options[key] !== undefined) params[key] = options[key];
  if (options.stdin !== undefined) params.stdin = true;
  const { stream } = await caller.call<{ stream: string }>('exec.start', params, options);
  const out: Uint8Array[] = [];
  const err: Uint8Array[] = [];
  const decoder = (parts: Uint8Array[]): string => new TextDecoder().decode(concat(parts));
  const notifications = followStream(caller, stream, options.signal);
  const done = (async (): Promise<ExecResult> => {
    let exitCode: number | undefined;
    for await (const note of notifications) {
      if (note.method === 'exec.output') {
        const data = fromBase64(note.params.data as string);
        if (note.params.fd === 'stderr') (options.onStderr ?? ((d: Uint8Array) => err.push(d)))(data);
        else (options.onStdout ?? ((d: Uint8Array) => out.push(d)))(data);
      } else if (note.method === 'exec.exit') {
        exitCode = note.params.exitCode as number | undefined;
      }
    }
    return { exitCode, stdout: decoder(out), stderr: decoder(err) };
  })();
  const handle: ExecHandle = {
    write: async (data) => void (await caller.call('exec.write', { stream, data: toBase64(bytesOf(data)) })),
    closeStdin: async () => void (await caller.call('exec.closeStdin', { stream })),
    resize: async (columns, rows) => void (await caller.call('exec.resize', { stream, columns, rows })),
    kill: async () => void (await caller.call('exec.kill', { stream })),
    done,
  };
  const input = options.stdin;
  if (input !== undefined && input !== true) {
    void (async () => {
      if (typeof input === 'string' || input instanceof Uint8Array) {
        const bytes = bytesOf(input);
        for (let at = 0; at < bytes.length; at += 1024 * 1024) await handle.write(bytes.subarray(at, at + 1024 * 1024));
      } else {
        for await (const piece of input) await handle.write(piece);
      }
      await handle.closeStdin();
    })().catch(() => undefined);
  }
  return handle;
}

/** Runs `command` to its end; resolves with its exit code and (uncaptured) output. */
export async function exec(caller: StreamCaller, target: { workspace: string; namespace?: string }, command: string[], options: ExecOptions = {}): Promise<ExecResult> {
  return (await startExec(caller, target, command, options)).done;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
