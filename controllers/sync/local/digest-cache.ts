/**
 * Remembers file digests by stat key (size, mtime, ctime, inode) so an unchanged file is not
 * re-hashed. A digest is only remembered when the file was older than `RACY_WINDOW_MS` at hashing
 * time: a write landing in the same timestamp tick as the one we hashed could otherwise keep the
 * same key with different content (git's "racy clean" problem).
 */
import type { Stats } from 'node:fs';
import { statKey } from './hash.ts';

/** Files modified less than this long before being hashed are re-hashed at the next scan. */
export const RACY_WINDOW_MS = 100;

interface Cached {
  key: string;
  digest: string;
}

/** Digest cache of one endpoint. */
export class DigestCache {
  #entries = new Map<string, Cached>();

  /** The cached digest of `path` when its current stats still match. */
  get(path: string, stats: Stats): string | undefined {
    const cached = this.#entries.get(path);
    if (cached === undefined || cached.key !== statKey(stats)) return undefined;
    return cached.digest;
  }

  /** Remembers a digest computed at `hashedAtMs` from a file in the state `stats`. */
  set(path: string, stats: Stats, digest: string, hashedAtMs: number): void {
    const newest = Math.max(stats.mtimeMs, stats.ctimeMs);
    if (hashedAtMs - newest < RACY_WINDOW_MS) {
      this.#entries.delete(path);
      return;
    }
    this.#entries.set(path, { key: statKey(stats), digest });
  }

  /** Forgets `path`. */
  delete(path: string): void {
    this.#entries.delete(path);
  }

  /** Drops every path not in `keep`. */
  retain(keep: (path: string) => boolean): void {
    for (const path of this.#entries.keys()) if (!keep(path)) this.#entries.delete(path);
  }

  /** Number of cached digests. */
  get size(): number {
    return this.#entries.size;
  }
}
