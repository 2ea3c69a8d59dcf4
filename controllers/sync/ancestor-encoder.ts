/**
 * The ancestor file's bytes (`{"version":1,"entries":[rows…]}`, rows sorted by path), produced
 * incrementally: a store saves the whole ancestor after every cycle that changed it, and for an
 * edit in a tree of 20 000 entries re-serialising and sorting every row, then encoding the 2 MB
 * text, blocked the event loop for 6–15 ms per edit (2 cores). `AncestorEncoder` keeps each
 * path's row text, in path order, in chunks of a few hundred rows with each chunk's UTF-8 bytes:
 * a row is serialised again only when its stored fields differ, only the chunks holding changed,
 * added or removed rows are encoded again, and the file is those chunks' bytes. The output is byte
 * for byte what a one-shot encoding gives (`encodeAncestor`).
 */
import type { Entry, ReadonlySnapshot } from './endpoint.ts';

/** Format version written into the file; other versions are treated as no ancestor. */
export const FORMAT_VERSION = 1;

/** Compact row per entry: `[path, 'f', digest, size, exec]`, `[path, 'd']` or `[path, 'l', target]`. */
export type Row = [string, 'f', string, number, 0 | 1] | [string, 'd'] | [string, 'l', string];

/** Rows per chunk after a rebuild (a chunk splits when it grows to twice this). */
const CHUNK_ROWS = 256;

/** More added or removed paths than this in one save and the chunks are rebuilt from scratch. */
const REBUILD_CHANGES = 256;

const HEAD = Buffer.from(`{"version":${FORMAT_VERSION},"entries":[`);
const TAIL = Buffer.from(']}');
const COMMA = Buffer.from(',');

/** A run of consecutive rows (in path order) and their encoded text (undefined: to encode again). */
interface Chunk {
  rows: CachedRow[];
  bytes: Buffer | undefined;
}

/** A path's row, its JSON text and the chunk holding it. */
interface CachedRow {
  path: string;
  row: Row;
  json: string;
  chunk: Chunk;
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

const byPath = (a: { path: string }, b: { path: string }): number => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/** Index of the first element of sorted `items` whose path is not below `path`. */
function lowerBound<T>(items: readonly T[], path: string, pathOf: (item: T) => string): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pathOf(items[mid] as T) < path) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Encodes ancestors, reusing what the previous encoding produced (see the module comment). */
export class AncestorEncoder {
  readonly #rows = new Map<string, CachedRow>();
  /** Non-empty chunks in path order. */
  #chunks: Chunk[] = [];
  readonly #chunkRows: number;
  /** The map encoded last (what `changed` of the next encoding must be relative to). */
  #last: ReadonlySnapshot | undefined;

  /** `chunkRows`: rows per chunk after a rebuild (tests make it small). */
  constructor(chunkRows = CHUNK_ROWS) {
    this.#chunkRows = chunkRows;
  }

  /**
   * The file's bytes for `entries` (as a list of buffers, in order). `changed`: when `entries` is
   * the map encoded last, changed in place since at exactly these paths, only they are looked at
   * (else every path is).
   */
  encode(entries: ReadonlySnapshot, changed?: ReadonlySet<string>): Buffer[] {
    const incremental = changed !== undefined && entries === this.#last;
    this.#last = entries;
    const added: Array<{ path: string; row: Row }> = [];
    const gone: string[] = [];
    const look = (path: string, entry: Entry | undefined): void => {
      const cached = this.#rows.get(path);
      if (entry === undefined) {
        if (cached !== undefined) gone.push(path);
      } else if (cached === undefined) {
        added.push({ path, row: rowOf(path, entry) });
      } else if (!rowMatches(cached.row, entry)) {
        cached.row = rowOf(path, entry);
        cached.json = JSON.stringify(cached.row);
        cached.chunk.bytes = undefined;
      }
    };
    if (incremental) {
      for (const path of changed) look(path, entries.get(path));
    } else {
      for (const [path, entry] of entries) look(path, entry);
      // Every cached path still listed was looked at: more cached paths than that are gone.
      if (this.#rows.size + added.length > entries.size) for (const path of this.#rows.keys()) if (!entries.has(path)) gone.push(path);
    }
    if (added.length + gone.length > REBUILD_CHANGES) {
      for (const path of gone) this.#rows.delete(path);
      this.#rebuild(added);
    } else {
      for (const path of gone) this.#remove(path);
      for (const { path, row } of added) this.#insert(path, row);
    }
    return this.#bytes();
  }

  /** Chunks everything again (the cached rows plus `added`), in path order. */
  #rebuild(added: ReadonlyArray<{ path: string; row: Row }>): void {
    const placeholder: Chunk = { rows: [], bytes: undefined };
    for (const { path, row } of added) this.#rows.set(path, { path, row, json: JSON.stringify(row), chunk: placeholder });
    const all = [...this.#rows.values()].sort(byPath);
    this.#chunks = [];
    for (let i = 0; i < all.length; i += this.#chunkRows) {
      const chunk: Chunk = { rows: all.slice(i, i + this.#chunkRows), bytes: undefined };
      for (const cached of chunk.rows) cached.chunk = chunk;
      this.#chunks.push(chunk);
    }
  }

  #insert(path: string, row: Row): void {
    if (this.#chunks.length === 0) this.#chunks.push({ rows: [], bytes: undefined });
    // The last chunk whose first path is not after `path` (or the first chunk).
    const at = Math.max(0, lowerBound(this.#chunks, path, (c) => c.rows[0]?.path ?? '') - 1);
    let index = at;
    if (at + 1 < this.#chunks.length && (this.#chunks[at + 1]!.rows[0]?.path ?? '') <= path) index = at + 1;
    const chunk = this.#chunks[index]!;
    const cached: CachedRow = { path, row, json: JSON.stringify(row), chunk };
    chunk.rows.splice(lowerBound(chunk.rows, path, (r) => r.path), 0, cached);
    chunk.bytes = undefined;
    this.#rows.set(path, cached);
    if (chunk.rows.length >= 2 * this.#chunkRows) {
      const tail: Chunk = { rows: chunk.rows.splice(this.#chunkRows), bytes: undefined };
      for (const moved of tail.rows) moved.chunk = tail;
      this.#chunks.splice(index + 1, 0, tail);
    }
  }

  #remove(path: string): void {
    const cached = this.#rows.get(path);
    if (cached === undefined) return;
    this.#rows.delete(path);
    const { chunk } = cached;
    chunk.rows.splice(lowerBound(chunk.rows, path, (r) => r.path), 1);
    chunk.bytes = undefined;
    if (chunk.rows.length === 0) this.#chunks.splice(this.#chunks.indexOf(chunk), 1);
  }

  #bytes(): Buffer[] {
    const out: Buffer[] = [HEAD];
    this.#chunks.forEach((chunk, i) => {
      chunk.bytes ??= Buffer.from(chunk.rows.map((r) => r.json).join(','));
      if (i > 0) out.push(COMMA);
      out.push(chunk.bytes);
    });
    out.push(TAIL);
    return out;
  }
}

/** Serialises an ancestor in one go (mtimes dropped, paths sorted for stable output). */
export function encodeAncestor(entries: ReadonlySnapshot): string {
  const rows: Row[] = [];
  for (const path of [...entries.keys()].sort()) rows.push(rowOf(path, entries.get(path) as Entry));
  return JSON.stringify({ version: FORMAT_VERSION, entries: rows });
}
