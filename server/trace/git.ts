/**
 * Running git for `boulder trace` (the CLI, on the user's own repository, as the user): a small
 * promise wrapper over execFile with stdin, and the few queries attach and blame need.
 */
import { execFile } from 'node:child_process';

/** Output of a git run. */
export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `git ARGS` in `cwd` (never throws for a non-zero exit). */
export function git(cwd: string, args: string[], input?: string): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = execFile('git', args, { cwd, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8', env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } }, (err, stdout, stderr) => {
      if (err !== null && typeof (err as { code?: unknown }).code !== 'number') return reject(err);
      resolve({ code: err === null ? 0 : ((err as { code: number }).code), stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
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
