/**
 * runFile: boulder's execFile. Every program boulder runs on the host (git, nft, setpriv, getent,
 * id) goes through here. By default it runs in this process (runInProcess); the daemon, once it
 * forked its spawner (spawner.ts, cmd/daemon/run.ts), installs it with `useSpawner`, and runs go
 * through it: the daemon's event loop is then not blocked by forks of its own, growing, memory.
 */
import { runInProcess } from './in-process.ts';
import type { Spawner } from './spawner.ts';
import type { OutputEncoding, OutputOf, RunFileOptions, RunFileResult } from './types.ts';

export { ChildProcessError, SpawnerLostError } from './errors.ts';
export type { OutputEncoding, RunFileOptions, RunFileResult } from './types.ts';

/** The spawner runs go through; undefined: in this process. */
let active: Spawner | undefined;

/**
 * Runs `file args` (no shell) and resolves with its stdout and stderr on exit 0; otherwise rejects
 * with ChildProcessError (exit code, `ENOENT`, killed on timeout, with the output), or
 * SpawnerLostError when the spawner ended during the run.
 */
export function runFile<E extends OutputEncoding = 'utf8'>(file: string, args: readonly string[], options: RunFileOptions<E> = {}): Promise<RunFileResult<OutputOf<E>>> {
  return active === undefined ? runInProcess(file, args, options) : active.run(file, args, options);
}

/** Makes runFile use `spawner` (the daemon, at start), or this process again (undefined). */
export function useSpawner(spawner: Spawner | undefined): void {
  active = spawner;
}
