/**
 * Changing a listing in place while recording what changed. A scanner's accelerated rescan used
 * to copy its previous listing (every entry: 20 000 for a 20k-file tree) and the engine then
 * compared the whole new listing with the previous one to find the few changed paths: two
 * O(tree) passes per side on every edit. With a recorder the scanner updates its listing in
 * place and hands the engine the exact difference (`ListingDelta`), by construction: every change
 * goes through `set`/`delete`, which keep each path's entry from before its first change.
 */
import { entriesEqual, type Entry, type ListingDelta, type ReadonlySnapshot, type Snapshot } from './endpoint.ts';

/** See the module comment. */
export class SnapshotRecorder {
  readonly #entries: Snapshot;
  /** path → its entry before the first change through this recorder (undefined: absent). */
  readonly #before = new Map<string, Entry | undefined>();

  /** Records changes to `entries` (which is changed in place). */
  constructor(entries: Snapshot) {
    this.#entries = entries;
  }

  /** The listing being changed. */
  get entries(): Snapshot {
    return this.#entries;
  }

  /** Sets `path`. */
  set(path: string, entry: Entry): void {
    if (!this.#before.has(path)) this.#before.set(path, this.#entries.get(path));
    this.#entries.set(path, entry);
  }

  /** Deletes `path` (nothing when absent). */
  delete(path: string): void {
    const old = this.#entries.get(path);
    if (old === undefined) return;
    if (!this.#before.has(path)) this.#before.set(path, old);
    this.#entries.delete(path);
  }

  /**
   * How `result` differs from `entries` as it was before the changes (mtimes ignored, as in
   * `diffListing`); `result` is `entries` itself or a copy of it without some paths (a scan's
   * escaping symlinks: found by walking `entries` only then, the rare case).
   */
  delta(result: ReadonlySnapshot): ListingDelta {
    const changed = new Map<string, Entry | undefined>();
    const removed = new Map<string, Entry>();
    const compare = (path: string, old: Entry | undefined): void => {
      const now = result.get(path);
      if (now === undefined) {
        if (old !== undefined) removed.set(path, old);
      } else if (old === undefined || (old !== now && !entriesEqual(old, now))) {
        changed.set(path, old);
      }
    };
    for (const [path, old] of this.#before) compare(path, old);
    if (result !== this.#entries && result.size !== this.#entries.size) {
      for (const [path, entry] of this.#entries) if (!this.#before.has(path) && !result.has(path)) compare(path, entry);
    }
    return { base: this.#entries, changed, removed };
  }
}
