/**
 * Running `nft` (Debian's nftables package): a script on stdin (`nft -f -`), optionally echoing
 * what it added with handles, so a rule can be deleted by handle later. Failures become a typed
 * error carrying nft's own message.
 */
import { execFileSync } from 'node:child_process';
import { BoulderError } from '../../../../apis/errors.ts';
import { ChildProcessError, runFile } from '../../../runtime/child-process/run-file.ts';

/** Runs an nft script; resolves with nft's output (with `echo`: the added objects and their handles). */
export type NftRunner = (script: string, options?: { echo?: boolean }) => Promise<string>;

/** The `nft` binary on PATH (as root, through runFile); rejects with an Unavailable error carrying nft's stderr. */
export const runNft: NftRunner = async (script, options = {}) => {
  const args = [...(options.echo === true ? ['--echo', '--handle'] : []), '-f', '-'];
  try {
    return (await runFile('nft', args, { timeout: 10_000, input: script })).stdout;
  } catch (error) {
    const stderr = error instanceof ChildProcessError ? String(error.stderr) : '';
    throw new BoulderError('Unavailable', `nft failed: ${(stderr || (error as Error).message).trim()}`, { cause: error });
  }
};

/** Runs an nft script synchronously (process exit hooks); errors are ignored. */
export function runNftSync(script: string): void {
  try {
    execFileSync('nft', ['-f', '-'], { input: script, stdio: ['pipe', 'ignore', 'ignore'], timeout: 5_000 });
  } catch {
    // Best effort: the table may already be gone.
  }
}

/** The handle nft printed for the rule it added (`… # handle 7`). */
export function echoedHandle(output: string): number | undefined {
  const match = /# handle (\d+)\s*$/m.exec(output);
  return match === null ? undefined : Number(match[1]);
}
