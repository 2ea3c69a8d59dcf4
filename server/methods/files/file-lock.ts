/**
 * Compare-and-swap for the file methods: writes to one file of one root are serialised inside this
 * daemon, and a write with `ifMatch` checks the current content first.
 */
import { ApiError } from '../../rpc/method.ts';
import type { SafeRoot } from './safe-fs.ts';

/** Serialises writes to one file of one root inside this daemon, so compare-and-swap holds between API clients. */
const fileLocks = new Map<string, Promise<unknown>>();

export async function withFileLock<T>(key: string, act: () => Promise<T>): Promise<T> {
  const previous = fileLocks.get(key) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(act);
  const tail = run.catch(() => undefined);
  fileLocks.set(key, tail);
  try {
    return await run;
  } finally {
    if (fileLocks.get(key) === tail) fileLocks.delete(key);
  }
}

/** Throws PreconditionFailed unless the current content of `path` matches `ifMatch`. */
export async function checkIfMatch(root: SafeRoot, path: string, ifMatch: string | undefined): Promise<void> {
  if (ifMatch === undefined) return;
  const current = await root.hashOf(path);
  if ((current ?? '') !== ifMatch.toLowerCase()) {
    throw new ApiError('PreconditionFailed', `${JSON.stringify(path)} ${current === undefined ? 'does not exist' : 'changed'}: its content does not match ifMatch`, { path, ...(current === undefined ? {} : { sha256: current }) });
  }
}
