/**
 * Keeps bulk transfers from piling up garbage in the daemon. Every 1 MiB chunk that crosses the
 * API leaves a ~1.4 MB JSON frame, its parsed string and the socket's buffers behind; V8 collects
 * such external (Buffer) memory only once ~64 MB of it has accumulated, so a 100 MB read or write
 * would grow the daemon's RSS by that much on top of its working set. After every
 * `COLLECT_EVERY_BYTES` transferred (all streams together) a full collection is requested instead
 * (`--expose-gc` is set on first use; where that is refused, nothing happens and V8's own
 * heuristics apply). A collection of the daemon's small heap takes a few milliseconds.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Bytes transferred between two requested collections. */
export const COLLECT_EVERY_BYTES = 4 * 1024 * 1024;

let collect: (() => void) | null | undefined;
let since = 0;

function collector(): (() => void) | null {
  if (collect === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as () => void;
    } catch {
      collect = null;
    }
  }
  return collect;
}

/** Counts `bytes` transferred by a stream or upload; collects garbage every COLLECT_EVERY_BYTES. */
export function noteTransferred(bytes: number): void {
  since += bytes;
  if (since < COLLECT_EVERY_BYTES) return;
  since = 0;
  collector()?.();
}
