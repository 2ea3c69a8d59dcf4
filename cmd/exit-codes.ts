/**
 * Stable exit codes of the `boulder` CLI. Scripts may rely on them; never renumber.
 *
 * | code | meaning                                                                 |
 * |------|-------------------------------------------------------------------------|
 * | 0    | success                                                                 |
 * | 1    | general error (anything not listed below)                               |
 * | 2    | usage error: unknown command or flag, missing or extra argument         |
 * | 3    | invalid input: a manifest failed validation (nothing was written);      |
 * |      | also `boulder daemon status` when no daemon runs (systemctl convention) |
 * | 4    | not found: the object (or kind) named does not exist                    |
 * | 5    | conflict: the object already exists or changed meanwhile                |
 * | 6    | timeout: `wait`, `--wait` or `reconcile --once` ran out of time         |
 * | 7    | unavailable: the daemon or the store could not be reached or started    |
 */
import type { ErrorCode } from '../apis/errors.ts';

/** Exit code constants; see the table above. */
export const ExitCode = {
  Ok: 0,
  Error: 1,
  Usage: 2,
  Invalid: 3,
  NotFound: 4,
  Conflict: 5,
  Timeout: 6,
  Unavailable: 7,
} as const;

/** One of the exit code values. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** `daemon status` exit code when no daemon runs (systemctl's "program is not running"). */
export const DAEMON_NOT_RUNNING = ExitCode.Invalid;

const exitCodeByErrorCode: Record<ErrorCode, ExitCodeValue> = {
  NotFound: ExitCode.NotFound,
  AlreadyExists: ExitCode.Conflict,
  Conflict: ExitCode.Conflict,
  Invalid: ExitCode.Invalid,
  BadRequest: ExitCode.Invalid,
  Gone: ExitCode.Error,
  Forbidden: ExitCode.Error,
  Timeout: ExitCode.Timeout,
  Unavailable: ExitCode.Unavailable,
  Internal: ExitCode.Error,
};

/** Maps a BoulderError code to the CLI's exit code. */
export function exitCodeForErrorCode(code: ErrorCode): ExitCodeValue {
  return exitCodeByErrorCode[code];
}
