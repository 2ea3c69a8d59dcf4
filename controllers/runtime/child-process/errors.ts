/**
 * The errors of runFile (run-file.ts). A program that failed rejects with ChildProcessError, shaped
 * like Node's execFile error so callers keep their handling: `code` is the exit code (a number), a
 * system error code such as `ENOENT` (the file is missing) or Node's own; `killed` and `signal` say
 * it was killed (timeout, maxBuffer); `stdout` and `stderr` hold what it printed. A run lost with
 * the spawner process rejects with SpawnerLostError (code `Unavailable`): it is never run again.
 */
import { BoulderError } from '../../../apis/errors.ts';
import type { FailureDescription } from './types.ts';

/** A program exited non-zero, was killed, or could not be started. */
export class ChildProcessError<T extends string | Buffer = string | Buffer> extends Error {
  /** Exit code, system error code (`ENOENT`, `EACCES`) or Node's error code; undefined when killed by a signal. */
  readonly code: number | string | undefined;
  /** The exit code when the program exited on its own. */
  readonly exitCode: number | undefined;
  /** The signal that ended it, if any. */
  readonly signal: NodeJS.Signals | undefined;
  /** True when the runner killed it (timeout or maxBuffer). */
  readonly killed: boolean;
  readonly syscall: string | undefined;
  readonly path: string | undefined;
  readonly stdout: T;
  readonly stderr: T;

  constructor(failure: FailureDescription, stdout: T, stderr: T) {
    super(failure.message);
    this.name = 'ChildProcessError';
    this.code = failure.code ?? undefined;
    this.exitCode = typeof failure.code === 'number' ? failure.code : undefined;
    this.signal = (failure.signal ?? undefined) as NodeJS.Signals | undefined;
    this.killed = failure.killed === true;
    this.syscall = failure.syscall;
    this.path = failure.path;
    this.stdout = stdout;
    this.stderr = stderr;
  }
}

/** The spawner process ended (or its channel closed) while it was running this program. */
export class SpawnerLostError extends BoulderError {
  constructor(file: string, args: readonly string[], why: string) {
    super('Unavailable', `${[file, ...args].join(' ')}: ${why}; it may or may not have run, and is not run again`);
    this.name = 'SpawnerLostError';
  }
}

/** The fields of a thrown execFile error (or anything thrown) that describe the failure (pure). */
export function describeFailure(err: unknown): FailureDescription {
  if (!(err instanceof Error)) return { message: String(err) };
  const fields = err as Error & { code?: unknown; killed?: unknown; signal?: unknown; syscall?: unknown; path?: unknown };
  return {
    message: err.message,
    ...(typeof fields.code === 'number' || typeof fields.code === 'string' ? { code: fields.code } : {}),
    ...(fields.killed === true ? { killed: true } : {}),
    ...(typeof fields.signal === 'string' ? { signal: fields.signal } : {}),
    ...(typeof fields.syscall === 'string' ? { syscall: fields.syscall } : {}),
    ...(typeof fields.path === 'string' ? { path: fields.path } : {}),
  };
}
