/**
 * Running git for `boulder trace` (the CLI, on the user's own repository, as the user): a small
 * promise wrapper over runFile (controllers/runtime/child-process) with stdin, and the few queries attach and blame need.
 */
import { ChildProcessError, runFile } from '../../controllers/runtime/child-process/run-file.ts';

/** Output of a git run. */
export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `git ARGS` in `cwd` through runFile (never throws for a non-zero exit). */
export async function git(cwd: string, args: string[], input?: string): Promise<GitResult> {
  try {
    const { stdout, stderr } = await runFile('git', args, { cwd, maxBuffer: 256 * 1024 * 1024, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' }, ...(input !== undefined ? { input } : {}) });
    return { code: 0, stdout, stderr };
  } catch (err) {
    if (!(err instanceof ChildProcessError) || err.exitCode === undefined) throw err;
    return { code: err.exitCode, stdout: String(err.stdout), stderr: String(err.stderr) };
  }
}

/** `git ARGS` stdout, or an Error with git's message. */
export async function gitOk(cwd: string, args: string[], input?: string): Promise<string> {
  const r = await git(cwd, args, input);
  if (r.code !== 0) throw new Error(`git ${args[0] ?? ''} failed: ${r.stderr.trim() || `exit ${r.code}`}`);
  return r.stdout;
}

/** The content of `path` at `revision`, or undefined when it is not there. */
export async function showFile(cwd: string, revision: string, path: string): Promise<string | undefined> {
  const r = await git(cwd, ['show', `${revision}:${path}`]);
  return r.code === 0 ? r.stdout : undefined;
}
