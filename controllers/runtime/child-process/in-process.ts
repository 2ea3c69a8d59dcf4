/**
 * Runs a program from this process with Node's execFile. The default runner (the CLI is short-lived
 * and small: forking it is cheap, and a helper process would cost its start), and the fallback of
 * the spawner. Note: the fork blocks this process's event loop for a time that grows with its RSS.
 */
import { execFile } from 'node:child_process';
import { ChildProcessError, describeFailure } from './errors.ts';
import { execOptionsOf, type OutputEncoding, type OutputOf, type RunFileOptions, type RunFileResult } from './types.ts';

/** Runs `file args` here; resolves on exit 0, else rejects with ChildProcessError. */
export function runInProcess<E extends OutputEncoding = 'utf8'>(file: string, args: readonly string[], options: RunFileOptions<E> = {}): Promise<RunFileResult<OutputOf<E>>> {
  const empty = (options.encoding === 'buffer' ? Buffer.alloc(0) : '') as OutputOf<E>;
  return new Promise((resolve, reject) => {
    let child: ReturnType<typeof execFile>;
    try {
      child = execFile(file, [...args], execOptionsOf(options), (error, stdout, stderr) => {
        const out = stdout as OutputOf<E>;
        const err = stderr as OutputOf<E>;
        if (error === null) resolve({ stdout: out, stderr: err });
        else reject(new ChildProcessError(describeFailure(error), out, err));
      });
    } catch (err) {
      // Arguments execFile refuses (a NUL byte, a bad cwd type): nothing was started.
      reject(new ChildProcessError(describeFailure(err), empty, empty));
      return;
    }
    // A program that exits without reading its input closes the pipe: not an error.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input);
  });
}
