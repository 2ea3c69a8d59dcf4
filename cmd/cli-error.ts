/**
 * Errors the CLI raises itself (as opposed to BoulderErrors from the store and validation):
 * each carries the exit code it ends the process with.
 */
import { ExitCode, type ExitCodeValue } from './exit-codes.ts';

/** An error with a message for the user and a specific exit code. */
export class CliError extends Error {
  readonly exitCode: ExitCodeValue;

  constructor(message: string, exitCode: ExitCodeValue = ExitCode.Error, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** Wrong invocation: unknown flag or command, missing or extra argument (exit code 2). */
export class UsageError extends CliError {
  /** Command whose usage should be hinted at, if any. */
  readonly command: string | undefined;

  constructor(message: string, command?: string) {
    super(message, ExitCode.Usage);
    this.name = 'UsageError';
    this.command = command;
  }
}
