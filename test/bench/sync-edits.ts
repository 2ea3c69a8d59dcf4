/**
 * Helpers of the sync edit-latency benches (sync-container.ts, sync-pod.ts): a tree of small
 * files, a content digest, a wait for a file to hold given content, the latency samples of a
 * series of edits, and the floor of the host seeing an edit at all.
 */
import { createHash } from 'node:crypto';
import { watch } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
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

/** Writes `files` files of 100 bytes below `root`, 100 per directory (`d0/f0.txt` …). */
export async function makeTree(root: string, files: number): Promise<void> {
  for (let d = 0; d < files / 100; d++) {
    await mkdir(join(root, `d${d}`), { recursive: true });
    await Promise.all(Array.from({ length: 100 }, (_, i) => writeFile(join(root, `d${d}`, `f${i}.txt`), `file ${d}/${i}\n`.padEnd(100, '.'))));
  }
}

/**
 * Latency samples (ms) of `count` 1 KB edits: each `write(content)` until `arrived(digest of
 * content)` resolves (started before the write), with a random 150–250 ms pause between edits.
 */
export async function editLatencies(count: number, tag: string, write: (content: string) => Promise<unknown>, arrived: (digest: string) => Promise<void>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const content = `${tag}${i}:`.padEnd(1024, 'y');
    const done = arrived(sha(content));
    const start = performance.now();
    await write(content);
    await done;
    samples.push(performance.now() - start);
    await sleep(150 + Math.random() * 100);
  }
  return samples;
}
