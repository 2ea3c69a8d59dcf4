/**
 * Helpers of the sync edit-latency benches (sync-container.ts, sync-pod.ts): a content digest, a
 * wait for a file to hold given content, and the floor of the host seeing an edit at all.
 */
import { createHash } from 'node:crypto';
import { watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** sha256 of `data`, hex. */
export const sha = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** Resolves once the file at `path` has content with `digest` (checked every 1 ms). */
export async function fileHas(path: string, digest: string, timeoutMs = 30_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const data = await readFile(path).catch(() => undefined);
    if (data !== undefined && sha(data) === digest) return;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${path}`);
    await sleep(1);
  }
}

/** The host seeing a write to `dir/back.txt` at all: an inotify watch on the directory + a read. */
export function seenOnHost(dir: string): (digest: string) => Promise<void> {
  return async (digest) => {
    const watcher = watch(dir);
    try {
      await new Promise<void>((resolve, reject) => {
        const check = (): void => void fileHas(join(dir, 'back.txt'), digest, 0).then(resolve, () => undefined);
        watcher.on('change', check);
        watcher.on('error', reject);
        setTimeout(() => reject(new Error('floor edit not seen')), 30_000).unref();
      });
    } finally {
      watcher.close();
    }
  };
}
