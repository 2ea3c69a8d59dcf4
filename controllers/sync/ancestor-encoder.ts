/**
 * The ancestor file's text (`{"version":1,"entries":[rows…]}`, rows sorted by path), produced
 * incrementally: a store saves the whole ancestor after every cycle that changed it, and for an
 * edit in a tree of 20 000 entries re-serialising every row and sorting every path again cost
 * ~7 ms of blocked event loop per edit (2 cores). `AncestorEncoder` keeps each path's row text and
 * the sorted row order between saves: a row is serialised again only when its stored fields
 * differ, the order is rebuilt only when paths were added or removed. The text is byte for byte
 * what a fresh encoding gives (`encodeAncestor`).
 */
import type { Entry, ReadonlySnapshot } from './endpoint.ts';

/** Format version written into the file; other versions are treated as no ancestor. */
export const FORMAT_VERSION = 1;

/** Compact row per entry: `[path, 'f', digest, size, exec]`, `[path, 'd']` or `[path, 'l', target]`. */
export type Row = [string, 'f', string, number, 0 | 1] | [string, 'd'] | [string, 'l', string];

/** A path's row and its text. */
interface CachedRow {
  path: string;
  row: Row;
  json: string;
}

/** The row stored for `entry` at `path` (mtimes dropped). */
export function rowOf(path: string, entry: Entry): Row {
  if (entry.kind === 'file') return [path, 'f', entry.digest, entry.size, entry.executable ? 1 : 0];
  if (entry.kind === 'directory') return [path, 'd'];
  return [path, 'l', entry.target];
}

/** True when `row` stores exactly `entry` (its path is the row's). */
function rowMatches(row: Row, entry: Entry): boolean {
  switch (entry.kind) {
    case 'file':
      return row[1] === 'f' && row[2] === entry.digest && row[3] === entry.size && row[4] === (entry.executable ? 1 : 0);
    case 'directory':
      return row[1] === 'd';
    case 'symlink':
      return row[1] === 'l' && row[2] === entry.target;
  }
}

const HEAD = `{"version":${FORMAT_VERSION},"entries":[`;
const TAIL = ']}';

/** Encodes ancestors, reusing the rows of the previous encoding (see the module comment). */
export class AncestorEncoder {
  readonly #rows = new Map<string, CachedRow>();
  /** The rows in path order, as of the last encoding. */
  #sorted: CachedRow[] = [];

  /** The file text of `entries`. */
  encode(entries: ReadonlySnapshot): string {
    let added = false;
    for (const [path, entry] of entries) {
      const cached = this.#rows.get(path);
      if (cached === undefined) {
        const row = rowOf(path, entry);
        this.#rows.set(path, { path, row, json: JSON.stringify(row) });
        added = true;
      } else if (!rowMatches(cached.row, entry)) {
        cached.row = rowOf(path, entry);
        cached.json = JSON.stringify(cached.row);
      }
    }
    // Every path of `entries` is cached now: more cached paths than entries means some are gone.
    if (this.#rows.size > entries.size) {
      for (const path of this.#rows.keys()) if (!entries.has(path)) this.#rows.delete(path);
    }
    if (added || this.#sorted.length !== this.#rows.size) {
      this.#sorted = [...this.#rows.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    }
    // Concatenation (a rope, flattened once when written) is several times cheaper than map + join here.
    let text = HEAD;
    for (let i = 0; i < this.#sorted.length; i++) text += i === 0 ? this.#sorted[i]!.json : `,${this.#sorted[i]!.json}`;
    return text + TAIL;
  }
}

/** Serialises an ancestor in one go (mtimes dropped, paths sorted for stable output). */
export function encodeAncestor(entries: ReadonlySnapshot): string {
  const rows: Row[] = [];
  for (const path of [...entries.keys()].sort()) rows.push(rowOf(path, entries.get(path) as Entry));
  return JSON.stringify({ version: FORMAT_VERSION, entries: rows });
}
