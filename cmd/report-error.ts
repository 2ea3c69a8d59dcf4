/**
 * Turns any error a command throws into lines on stderr and an exit code:
 * one `error: ...` line per problem; kubectl's `Error from server (Code): ...` for object-level
 * API errors (NotFound, AlreadyExists, Conflict); every validation issue on its own line.
 */
import { BoulderError, ValidationError, formatFieldIssue } from '../apis/errors.ts';
import { CliError, UsageError } from './cli-error.ts';
import type { TextOut } from './command.ts';
import { ExitCode, exitCodeForErrorCode, type ExitCodeValue } from './exit-codes.ts';

const serverStyleCodes = new Set(['NotFound', 'AlreadyExists', 'Conflict', 'Gone', 'Forbidden']);

/** The stderr lines describing `err` (without trailing newlines). */
export function errorLines(err: unknown): string[] {
  if (err instanceof ValidationError) {
    return err.issues.length === 0 ? [`error: ${err.message}`] : err.issues.map((issue) => `error: ${formatFieldIssue(issue)}`);
  }
  if (err instanceof UsageError) {
    const hint = err.command === undefined ? "See 'boulder --help' for usage." : `See 'boulder ${err.command} --help' for usage.`;
    return [`error: ${err.message}`, hint];
  }
  if (err instanceof BoulderError && serverStyleCodes.has(err.code)) {
    return [`Error from server (${err.code}): ${oneLine(err.message)}`];
  }
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n').map((line) => `error: ${line}`);
}

/** Longest server-style message printed whole. */
const MAX_MESSAGE = 2000;

/**
 * A server-style message on one line: control characters (a line break in a name typed on the
 * command line) shown escaped, so no input can forge a second line of output; cut past 2000 characters.
 */
function oneLine(message: string): string {
  // eslint-disable-next-line no-control-regex
  const escaped = message.replace(/[\x00-\x1f\x7f]/g, (c) => JSON.stringify(c).slice(1, -1));
  return escaped.length <= MAX_MESSAGE ? escaped : `${escaped.slice(0, MAX_MESSAGE)}… (${escaped.length - MAX_MESSAGE} more characters)`;
}

/** The exit code for `err`. */
export function exitCodeFor(err: unknown): ExitCodeValue {
  if (err instanceof CliError) return err.exitCode;
  if (err instanceof BoulderError) return exitCodeForErrorCode(err.code);
  return ExitCode.Error;
}

/** Writes `err` to stderr and returns its exit code; with BOULDER_DEBUG set, adds the stack. */
export function reportError(err: unknown, stderr: TextOut, env: NodeJS.ProcessEnv = {}): ExitCodeValue {
  for (const line of errorLines(err)) stderr.write(`${line}\n`);
  if (env['BOULDER_DEBUG'] !== undefined && err instanceof Error && err.stack !== undefined) stderr.write(`${err.stack}\n`);
  return exitCodeFor(err);
}
