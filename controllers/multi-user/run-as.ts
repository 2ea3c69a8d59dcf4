/**
 * Runs a program as a unix user (a multi-user node's workspace owner): through `setpriv`, so the
 * process has the user's uid, primary group and supplementary groups (Node's own `uid`/`gid`
 * spawn options drop the supplementary groups), starts in `/` (the daemon never changes into a
 * user's directory on their behalf: the program does, with the user's rights) and gets a minimal
 * environment — PATH, the user's HOME, USER and LOGNAME, plus what the caller names — never the
 * daemon's own environment, which may hold the daemon's secrets.
 */
import { ChildProcessError, runFile } from '../runtime/child-process/run-file.ts';
import type { UnixOwner } from './owner.ts';

/** The path of setpriv (util-linux). */
const SETPRIV = 'setpriv';

/** A program run as a user: the file and arguments to spawn, and the spawn options that go with them. */
export interface RunAsCommand {
  file: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** The environment a program run as `owner` starts from (see the module comment). */
export function ownerEnvironment(owner: UnixOwner, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: owner.home,
    USER: owner.user,
    LOGNAME: owner.user,
    ...extra,
  };
}

/** How to spawn `file args` as `owner` (pure). */
export function commandAs(owner: UnixOwner, file: string, args: readonly string[], extraEnv: Record<string, string> = {}): RunAsCommand {
  const groups = owner.groups.length > 0 ? ['--groups', owner.groups.join(',')] : ['--clear-groups'];
  return {
    file: SETPRIV,
    args: [`--reuid=${owner.uid}`, `--regid=${owner.gid}`, ...groups, '--', file, ...args],
    cwd: '/',
    env: ownerEnvironment(owner, extraEnv),
  };
}

/** What a program run as a user printed and how it exited. */
export interface RunAsResult {
  stdout: string;
  stderr: string;
  /** Exit code; undefined when it could not be started or was killed. */
  exitCode: number | undefined;
}

/** Options of `runAs`. */
export interface RunAsOptions {
  /** Written to the program's stdin (then closed). */
  input?: string;
  /** Largest output accepted (bytes); default 1 MiB. */
  maxBuffer?: number;
  timeoutMs?: number;
}

/**
 * Runs `file args` as `owner` (through runFile) and resolves with its output and exit code (never
 * rejects on a non-zero exit; a program that could not be started or was killed has no exit code
 * and the reason appended to its stderr).
 */
export async function runAs(owner: UnixOwner, file: string, args: readonly string[], options: RunAsOptions = {}): Promise<RunAsResult> {
  const command = commandAs(owner, file, args);
  try {
    const { stdout, stderr } = await runFile(command.file, command.args, {
      cwd: command.cwd,
      env: command.env,
      maxBuffer: options.maxBuffer ?? 1024 * 1024,
      input: options.input ?? '',
      ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
    });
    return { stdout, stderr, exitCode: 0 };
  } catch (error) {
    if (!(error instanceof ChildProcessError)) return { stdout: '', stderr: (error as Error).message, exitCode: undefined };
    const { exitCode } = error;
    const stderr = String(error.stderr);
    return { stdout: String(error.stdout), stderr: exitCode === undefined ? `${stderr}${error.message}` : stderr, exitCode };
  }
}
