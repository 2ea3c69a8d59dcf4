/**
 * The shapes of one program run (runFile, run-file.ts): what the caller asks for and what it gets
 * back, the same whichever implementation runs it (in this process, or the daemon's spawner).
 */

/** How stdout and stderr are returned: decoded as UTF-8 (`utf8`) or raw bytes (`buffer`). */
export type OutputEncoding = 'utf8' | 'buffer';

/** The type of stdout and stderr for an encoding. */
export type OutputOf<E extends OutputEncoding> = E extends 'buffer' ? Buffer : string;

/** Options of one run: execFile's, with stdin. */
export interface RunFileOptions<E extends OutputEncoding = 'utf8'> {
  /** Working directory; default the calling process's. */
  cwd?: string;
  /** The whole environment of the program; default the calling process's. */
  env?: NodeJS.ProcessEnv;
  /** Kill the program (SIGTERM) after this many ms; default no limit. */
  timeout?: number;
  /** Largest stdout or stderr accepted (bytes); beyond it the program is killed. Default Node's (1 MiB). */
  maxBuffer?: number;
  /** Written to the program's stdin, which is then closed; without it stdin is closed at once. */
  input?: string | Uint8Array;
  /** Default `utf8`. */
  encoding?: E;
}

/** What a program that exited 0 printed. */
export interface RunFileResult<T extends string | Buffer = string> {
  stdout: T;
  stderr: T;
}

/** The options passed to execFile itself (no stdin), as sent to the spawner. Plain data. */
export interface ExecOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeout?: number;
  maxBuffer?: number;
  encoding: OutputEncoding;
}

/**
 * Why a run failed, as plain data (it crosses the spawner's IPC channel): Node's execFile error
 * reduced to the fields callers look at.
 */
export interface FailureDescription {
  message: string;
  /** The exit code (number), a system error code (`ENOENT`), or Node's (`ERR_CHILD_PROCESS_STDIO_MAXBUFFER`). */
  code?: number | string | null;
  /** True when the program was killed by the runner (timeout, maxBuffer). */
  killed?: boolean;
  signal?: string | null;
  syscall?: string;
  path?: string;
}

/** execFile's options for `options` (pure). */
export function execOptionsOf(options: RunFileOptions<OutputEncoding>): ExecOptions {
  return {
    encoding: options.encoding ?? 'utf8',
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    ...(options.env !== undefined ? { env: options.env } : {}),
    ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
    ...(options.maxBuffer !== undefined ? { maxBuffer: options.maxBuffer } : {}),
  };
}
