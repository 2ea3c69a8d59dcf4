/**
 * Change hints for a local directory from Node's recursive `fs.watch` (inotify on Linux, one
 * watch per directory, FSEvents on macOS). Hints are only hints: the engine rescans what they
 * name. When the root is missing or the watcher fails, a cheap poll waits for the root and a
 * "rescan everything" hint is emitted whenever watching (re)starts.
 */
import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { isSyncTempName, type ChangeHint } from '../endpoint.ts';
import { normalizeRelative } from './scanner.ts';

/** How often a missing root (or a failed watcher) is retried. */
const RETRY_MS = 500;

/** Yields hints for changes below `root` until `signal` aborts. */
export async function* watchLocalDirectory(root: string, signal: AbortSignal): AsyncIterable<ChangeHint> {
  const queue: ChangeHint[] = [];
  let wake: (() => void) | undefined;
  const push = (hint: ChangeHint): void => {
    queue.push(hint);
    wake?.();
  };
  const onAbort = (): void => wake?.();
  signal.addEventListener('abort', onAbort);
  let watcher: FSWatcher | undefined;
  let failed = false;
  try {
    while (!signal.aborted) {
      if (watcher === undefined) {
        watcher = await startWatcher(root, signal, push, () => {
          failed = true;
          wake?.();
        });
        if (watcher === undefined) {
          await sleep(RETRY_MS, undefined, { signal }).catch(() => undefined);
          continue;
        }
        failed = false;
        push({});
      }
      while (queue.length > 0 && !signal.aborted) yield queue.shift() as ChangeHint;
      if (failed) {
        watcher.close();
        watcher = undefined;
        push({});
        continue;
      }
      if (signal.aborted) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        if (queue.length > 0 || failed || signal.aborted) resolve();
      });
      wake = undefined;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    watcher?.close();
  }
}

async function startWatcher(root: string, signal: AbortSignal, push: (hint: ChangeHint) => void, onFailure: () => void): Promise<FSWatcher | undefined> {
  try {
    if (!(await stat(root)).isDirectory()) return undefined;
    const watcher = watch(root, { recursive: true, signal });
    watcher.on('change', (_event, filename) => {
      if (filename === null) {
        push({});
        return;
      }
      const path = normalizeRelative(filename.toString());
      if (path !== '' && isSyncTempName(path)) return;
      push(path === '' ? {} : { path });
    });
    watcher.on('error', onFailure);
    watcher.on('close', () => {
      if (!signal.aborted) onFailure();
    });
    return watcher;
  } catch {
    return undefined;
  }
}
