/**
 * Runs the git binary as a child process. Deliberately not simple-git: its v4 environment guard
 * silently drops ambient `GIT_*` variables (e.g. `GIT_SSL_CAINFO`, `GIT_SSH_COMMAND`) that
 * submodule fetches need, and refuses options such as `-c protocol.file.allow`. Arguments are
 * built by this module from validated names, never from a shell string.
 */
import { ChildProcessError, runFile } from '../runtime/child-process/run-file.ts';
import type { UnixOwner } from '../multi-user/owner.ts';
import { commandAs } from '../multi-user/run-as.ts';

/** Variables that would point git at another repository than the one we name with `cwd`. */
const REPOSITORY_LOCATION_VARIABLES = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_COMMON_DIR',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_NAMESPACE',
  'GIT_PREFIX',
];

/** Largest stdout/stderr accepted from one git call. */
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/** What a finished git call printed and how it exited. */
export interface GitResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** git exited non-zero (or could not be started, or timed out). */
export class GitCommandError extends Error {
  readonly args: readonly string[];
  readonly exitCode: number | undefined;
  readonly stderr: string;

  constructor(args: readonly string[], exitCode: number | undefined, stderr: string, options?: { cause?: unknown }) {
    super(`git ${args.join(' ')} failed${exitCode !== undefined ? ` (exit ${exitCode})` : ''}: ${stderr.trim()}`, options);
    this.name = 'GitCommandError';
    this.args = args;
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

/** Options of one git call. */
export interface RunGitOptions {
  /** Kill git after this long (ms); default: no limit. */
  timeoutMs?: number;
  /** Exit codes that are answers, not failures (e.g. 1 for `rev-parse --verify --quiet`). */
  okExitCodes?: readonly number[];
  /**
   * Run git as this user (a multi-user node's workspace owner): with the user's uid, groups, HOME
   * and a minimal environment, entering `cwd` itself (`git -C`) with the user's rights.
   */
  as?: UnixOwner;
}

/**
 * The environment git runs with: the caller's, minus variables that redirect git to another
 * repository, with prompts disabled (a daemon has no terminal) and English messages (some
 * failures are recognized by their text).
 */
export function gitEnvironment(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const name of REPOSITORY_LOCATION_VARIABLES) delete env[name];
  env.GIT_TERMINAL_PROMPT = '0';
  env.LC_ALL = 'C';
  env.LANGUAGE = 'C';
  return env;
}

/**
 * Runs `git <args>` in `cwd` (through runFile: the daemon's spawner when it has one); resolves on
 * exit 0 (or an `okExitCodes` code), else rejects with GitCommandError.
 */
export async function runGit(cwd: string, args: readonly string[], options: RunGitOptions = {}): Promise<GitResult> {
  const command = options.as === undefined ? { file: 'git', args: [...args], cwd, env: gitEnvironment() } : gitAs(options.as, cwd, args);
  try {
    const timeout = options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {};
    const { stdout, stderr } = await runFile(command.file, command.args, { cwd: command.cwd, env: command.env, maxBuffer: MAX_OUTPUT_BYTES, ...timeout });
    return { stdout, stderr, exitCode: 0 };
  } catch (error) {
    return answerOrThrow(error, args, options);
  }
}

/** A failed git call's result when its exit code is one of `okExitCodes`; otherwise throws GitCommandError. */
function answerOrThrow(error: unknown, args: readonly string[], options: RunGitOptions): GitResult {
  if (!(error instanceof ChildProcessError)) throw new GitCommandError(args, undefined, error instanceof Error ? error.message : String(error), { cause: error });
  const { exitCode } = error;
  const stdout = String(error.stdout);
  const stderr = String(error.stderr);
  if (exitCode !== undefined && options.okExitCodes?.includes(exitCode) === true) return { stdout, stderr, exitCode };
  const detail = error.killed ? `timed out after ${options.timeoutMs ?? 0} ms; ${stderr}` : stderr || error.message;
  throw new GitCommandError(args, exitCode, detail, { cause: error });
}

/** `git -C cwd args` as `owner`, with gitEnvironment's settings over the owner's minimal environment. */
function gitAs(owner: UnixOwner, cwd: string, args: readonly string[]): ReturnType<typeof commandAs> {
  const command = commandAs(owner, 'git', ['-C', cwd, ...args]);
  return { ...command, env: gitEnvironment(command.env) };
}
