/**
 * Persists a session's ancestor (the last snapshot both sides agreed on) as a JSON file, replaced
 * atomically (temp file + fsync + rename), so a crash leaves the previous or the new ancestor,
 * never a torn one. The text is encoded incrementally between saves (ancestor-encoder.ts).
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { writeFileAtomic } from '../fs/atomic-write.ts';
import { dirname, join } from 'node:path';
import type { AncestorRecord, AncestorStore } from './engine-api.ts';
import type { Snapshot } from './endpoint.ts';
import { AncestorEncoder, encodeAncestor as encodeEntries, FORMAT_VERSION, type Row } from './ancestor-encoder.ts';

interface AncestorFile {
  version: number;
  entries: Row[];
}

/** Where a session's ancestor lives inside boulder's state dir. */
export function ancestorPath(stateDir: string, sessionId: string): string {
  return join(stateDir, 'sync', sessionId, 'ancestor.json');
}

/** An `AncestorStore` backed by the JSON file at `path` (its directory is created on save). */
export function createFileAncestorStore(path: string): AncestorStore {
  const encoder = new AncestorEncoder();
  return {
    async load() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
      return decodeAncestor(text);
    },
    async save(record) {
      // Encoded first: the encoder then always knows the state of the last save call, written or not.
      const bytes = Buffer.concat(encoder.encode(record.entries, record.changed));
      await mkdir(dirname(path), { recursive: true });
      await writeFileAtomic(path, bytes, { mode: 0o600, durable: true });
    },
    async clear() {
      await rm(path, { force: true });
    },
  };
}

/** An `AncestorStore` kept in memory only (tests, one-shot syncs). */
export function createMemoryAncestorStore(): AncestorStore & { saves: number } {
  let saved: string | undefined;
  const store = {
    saves: 0,
    load: () => Promise.resolve(saved === undefined ? undefined : decodeAncestor(saved)),
    save: (record: AncestorRecord) => {
      saved = encodeAncestor(record);
      store.saves++;
      return Promise.resolve();
    },
    clear: () => {
      saved = undefined;
      return Promise.resolve();
    },
  };
  return store;
}

/** Serialises an ancestor (mtimes dropped, paths sorted for stable output). */
export function encodeAncestor(record: AncestorRecord): string {
  return encodeEntries(record.entries);
}

/** Parses an ancestor file; an unknown version or a malformed file counts as no ancestor. */
export function decodeAncestor(text: string): AncestorRecord | undefined {
  let file: AncestorFile;
  try {
    file = JSON.parse(text) as AncestorFile;
  } catch {
    return undefined;
  }
  if (file.version !== FORMAT_VERSION || !Array.isArray(file.entries)) return undefined;
  const entries: Snapshot = new Map();
  for (const row of file.entries) {
    if (row[1] === 'f') entries.set(row[0], { kind: 'file', digest: row[2], size: row[3], executable: row[4] === 1 });
    else if (row[1] === 'd') entries.set(row[0], { kind: 'directory' });
    else if (row[1] === 'l') entries.set(row[0], { kind: 'symlink', target: row[2] });
  }
  return { entries };
}
