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

/** One remembered digest as persisted: path, stat key, digest. */
export type CachedDigest = readonly [path: string, key: string, digest: string];

/** Digest cache of one endpoint. */
export class DigestCache {
  #entries = new Map<string, Cached>();
  #changed = false;

  /** True when the cache changed since `restore` or the last `markSaved`. */
  get changed(): boolean {
    return this.#changed;
  }

  /** Every remembered digest (for persisting). */
  snapshot(): CachedDigest[] {
    return [...this.#entries].map(([path, cached]) => [path, cached.key, cached.digest] as const);
  }

  /** Adds persisted digests (each was remembered under the racy rule, so its key is as trustworthy now). */
  restore(entries: readonly CachedDigest[]): void {
    for (const [path, key, digest] of entries) this.#entries.set(path, { key, digest });
    this.#changed = false;
  }

  /** Records that the current content was persisted. */
  markSaved(): void {
    this.#changed = false;
  }

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
      this.delete(path);
      return;
    }
    const key = statKey(stats);
    const before = this.#entries.get(path);
    if (before?.key === key && before.digest === digest) return;
    this.#entries.set(path, { key, digest });
    this.#changed = true;
  }

  /** Forgets `path`. */
  delete(path: string): void {
    if (this.#entries.delete(path)) this.#changed = true;
  }

  /** Drops every path not in `keep`. */
  retain(keep: (path: string) => boolean): void {
    for (const path of this.#entries.keys()) if (!keep(path)) this.delete(path);
  }

  /** Number of cached digests. */
  get size(): number {
    return this.#entries.size;
  }
}
