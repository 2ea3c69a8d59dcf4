/**
 * The record of issued tokens: `<state dir>/api-tokens.json` (0600) lists every token `boulder
 * token create` minted — id, name, subject, scopes, workspaces, issue and expiry times, and when it
 * was revoked — never the token itself. Revocation by id is a write of this file, so it survives
 * restarts; the daemon re-reads the file when its modification time changes (checked at most every
 * REVOCATION_CHECK_MS), so a revocation takes effect without a restart.
 * Writes replace the file atomically (temp file + rename) under a lock file, so two concurrent
 * `token create` never lose a record (a lost record would be a token nobody can revoke by id).
 */
import { closeSync, constants, fchmodSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { PRIVATE_FILE_MODE } from '../../apis/config/private-state.ts';
import type { Scope } from '../rpc/method.ts';
import type { TokenContributor } from '../trace/record.ts';

/** File name of the token records in the state dir. */
export const TOKEN_RECORDS_FILE = 'api-tokens.json';

/** How often (at most) the daemon looks at the records file for new revocations. */
export const REVOCATION_CHECK_MS = 200;

/** One issued token, as recorded. */
export interface TokenRecord {
  id: string;
  name: string;
  subject: string;
  scopes: Scope[];
  workspaces: '*' | string[];
  issuedAt: string;
  expiresAt: string;
  revokedAt?: string;
  /** Agent Trace attribution claim of the token, when it has one. */
  contributor?: TokenContributor;
}

/** Path of the records file of a state dir. */
export function tokenRecordsPath(stateDir: string): string {
  return join(stateDir, TOKEN_RECORDS_FILE);
}

/** Every record of the state dir (empty when none was issued). */
export function readTokenRecords(stateDir: string): TokenRecord[] {
  let text: string;
  try {
    text = readFileSync(tokenRecordsPath(stateDir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const parsed = JSON.parse(text) as { tokens?: TokenRecord[] };
  return Array.isArray(parsed.tokens) ? parsed.tokens : [];
}

/** Replaces the records file atomically (0600). */
export function writeTokenRecords(stateDir: string, records: TokenRecord[]): void {
  const path = tokenRecordsPath(stateDir);
  const temp = `${path}.${process.pid}.tmp`;
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, PRIVATE_FILE_MODE);
  try {
    fchmodSync(fd, PRIVATE_FILE_MODE);
    writeSync(fd, `${JSON.stringify({ tokens: records }, null, 2)}\n`);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
}

/** How long a writer waits for the lock before taking over a lock left by a crashed one. */
const LOCK_STALE_MS = 5000;

/** Runs `update` holding `<records>.lock` (O_EXCL; a lock older than LOCK_STALE_MS is taken over). */
function withRecordsLock<T>(stateDir: string, update: () => T): T {
  const lock = `${tokenRecordsPath(stateDir)}.lock`;
  const started = Date.now();
  for (;;) {
    try {
      closeSync(openSync(lock, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, PRIVATE_FILE_MODE));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (Date.now() - started > LOCK_STALE_MS) {
        rmSync(lock, { force: true });
        continue;
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
  try {
    return update();
  } finally {
    rmSync(lock, { force: true });
  }
}

/** Adds one record. */
export function appendTokenRecord(stateDir: string, record: TokenRecord): void {
  withRecordsLock(stateDir, () => writeTokenRecords(stateDir, [...readTokenRecords(stateDir), record]));
}

/** Marks a token revoked; returns the record, or undefined when no token has that id. */
export function revokeTokenRecord(stateDir: string, id: string, now: Date): TokenRecord | undefined {
  return withRecordsLock(stateDir, () => {
    const records = readTokenRecords(stateDir);
    const record = records.find((r) => r.id === id);
    if (record === undefined) return undefined;
    record.revokedAt ??= now.toISOString();
    writeTokenRecords(stateDir, records);
    return record;
  });
}

/** The daemon's view of revocations: re-read when the file changes. */
export class RevocationList {
  private revoked = new Set<string>();
  private mtimeMs = -1;
  private checkedAt = 0;
  private readonly stateDir: string;

  constructor(stateDir: string) {
    this.stateDir = stateDir;
  }

  /** True when `id` is revoked (re-reads the file when it changed since the last look). */
  isRevoked(id: string, now = Date.now()): boolean {
    if (now - this.checkedAt >= REVOCATION_CHECK_MS) this.refresh(now);
    return this.revoked.has(id);
  }

  /** Looks at the file now. */
  refresh(now = Date.now()): void {
    this.checkedAt = now;
    let mtimeMs: number;
    try {
      mtimeMs = statSync(tokenRecordsPath(this.stateDir)).mtimeMs;
    } catch {
      mtimeMs = 0;
    }
    if (mtimeMs === this.mtimeMs) return;
    this.mtimeMs = mtimeMs;
    this.revoked = new Set(readTokenRecords(this.stateDir).filter((r) => r.revokedAt !== undefined).map((r) => r.id));
  }
}
