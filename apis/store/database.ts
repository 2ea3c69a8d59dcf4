/**
 * Opens the embedded store's SQLite file: WAL journal (readers never block the writer), a busy
 * timeout so concurrent processes queue instead of failing, and the schema, created or checked in
 * one IMMEDIATE transaction so that several processes may open a fresh file at once. The directory
 * is 0700 and the file, its -wal and -shm 0600, whatever the umask (see private-state.ts).
 */
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { ensurePrivateDir, ensurePrivateFile, restrictIfExists } from '../config/private-state.ts';
import { BoulderError } from '../errors.ts';

/** Version of the table layout below; bump it and add a migration when it changes. */
export const SCHEMA_VERSION = 1;

/** How long a statement waits for another process's lock before failing (ms). */
export const BUSY_TIMEOUT_MS = 10_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS store_info (
  key TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT OR IGNORE INTO store_info (key, value) VALUES
  ('schema_version', ${SCHEMA_VERSION}), ('resource_version', 0), ('compacted_rv', 0);
CREATE TABLE IF NOT EXISTS objects (
  kind TEXT NOT NULL,
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  uid TEXT NOT NULL UNIQUE,
  rv INTEGER NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (kind, namespace, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS owner_refs (
  owner_uid TEXT NOT NULL,
  dependent_uid TEXT NOT NULL,
  PRIMARY KEY (owner_uid, dependent_uid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS owner_refs_by_dependent ON owner_refs (dependent_uid);
CREATE TABLE IF NOT EXISTS events (
  rv INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  body TEXT NOT NULL,
  prev_labels TEXT
);
`;

function isBusy(err: unknown): boolean {
  const e = err as { errcode?: number; message?: string } | undefined;
  // SQLITE_BUSY (5) and SQLITE_LOCKED (6), including their extended codes.
  return (e?.errcode !== undefined && [5, 6].includes(e.errcode & 0xff)) || /database is locked|busy/i.test(e?.message ?? '');
}

/** Runs `step`, retrying while SQLite reports a lock held by another process, up to the busy timeout. */
function retryWhileBusy<T>(step: () => T): T {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (;;) {
    try {
      return step();
    } catch (err) {
      if (!isBusy(err) || Date.now() > deadline) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5 + Math.random() * 20);
    }
  }
}

/** Wraps SQLite failures in a BoulderError naming the store file; BoulderErrors pass through. */
export function storeFailure(path: string, err: unknown): BoulderError {
  if (err instanceof BoulderError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = isBusy(err) ? 'Unavailable' : 'Internal';
  return new BoulderError(code, `embedded store ${path}: ${message}`, { cause: err });
}

/**
 * Opens (creating when needed, with its parent directories) and prepares the store database: the
 * directory 0700, the file created 0600 before SQLite opens it (SQLite gives -wal and -shm the
 * database file's mode), and -wal/-shm left by an older boulder tightened to 0600.
 */
export function openStoreDatabase(path: string): DatabaseSync {
  try {
    ensurePrivateDir(dirname(path));
    ensurePrivateFile(path);
  } catch (err) {
    throw storeFailure(path, err);
  }
  const db = new DatabaseSync(path);
  try {
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    const mode = retryWhileBusy(() => db.prepare('PRAGMA journal_mode = WAL').get());
    if (String(mode?.['journal_mode']).toLowerCase() !== 'wal') {
      throw new BoulderError('Internal', `embedded store ${path}: could not switch to WAL journal mode`);
    }
    db.exec('PRAGMA synchronous = NORMAL');
    for (const suffix of ['-wal', '-shm']) restrictIfExists(`${path}${suffix}`);
    retryWhileBusy(() => {
      db.exec('BEGIN IMMEDIATE');
      try {
        db.exec(SCHEMA);
        const row = db.prepare("SELECT value FROM store_info WHERE key = 'schema_version'").get();
        const version = Number(row?.['value']);
        if (version !== SCHEMA_VERSION) {
          throw new BoulderError(
            'Internal',
            `embedded store ${path} has schema version ${version}; this boulder understands version ${SCHEMA_VERSION}`,
          );
        }
        db.exec('COMMIT');
      } catch (err) {
        db.exec('ROLLBACK');
        throw err;
      }
    });
    return db;
  } catch (err) {
    db.close();
    throw storeFailure(path, err);
  }
}
