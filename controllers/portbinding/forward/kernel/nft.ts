/**
 * Running `nft` (Debian's nftables package): a script on stdin (`nft -f -`), optionally echoing
 * what it added with handles, so a rule can be deleted by handle later. Failures become a typed
 * error carrying nft's own message.
 */
import { execFile, execFileSync } from 'node:child_process';
import { BoulderError } from '../../../../apis/errors.ts';

/** Runs an nft script; resolves with nft's output (with `echo`: the added objects and their handles). */
export type NftRunner = (script: string, options?: { echo?: boolean }) => Promise<string>;

/** The `nft` binary on PATH (as root); rejects with an Unavailable error carrying nft's stderr. */
export const runNft: NftRunner = (script, options = {}) =>
  new Promise((resolve, reject) => {
    const args = [...(options.echo === true ? ['--echo', '--handle'] : []), '-f', '-'];
    const child = execFile('nft', args, { timeout: 10_000 }, (error, stdout, stderr) => {
      if (error) reject(new BoulderError('Unavailable', `nft failed: ${(stderr || error.message).trim()}`));
      else resolve(stdout);
    });
    child.stdin?.end(script);
  });

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
