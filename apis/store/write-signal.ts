/**
 * The cross-process "something was committed" hint. After each commit a writer touches a small
 * sentinel file next to the database; watchers in every process see the touch through `fs.watch`
 * on the directory and then read the change log. Touching *after* COMMIT (rather than reacting to
 * the -wal file, which is written before the commit becomes visible to readers) means a woken
 * reader always finds the new rows.
 */
import { utimesSync } from 'node:fs';
import { basename } from 'node:path';
import { ensurePrivateFile } from '../config/private-state.ts';

/** Path of the sentinel file for a database file. */
export function writeSignalPath(databasePath: string): string {
  return `${databasePath}-notify`;
}

/** File name (in the database's directory) of the sentinel, as `fs.watch` reports it. */
export function writeSignalName(databasePath: string): string {
  return basename(writeSignalPath(databasePath));
}

/** Creates the sentinel when missing (mode 0600, like every file of the state dir). */
export function ensureWriteSignal(databasePath: string): void {
  ensurePrivateFile(writeSignalPath(databasePath));
}

/** Touches the sentinel; best effort (a missing hint only delays watchers to their fallback poll). */
export function signalWrite(databasePath: string): void {
  const path = writeSignalPath(databasePath);
  const now = new Date();
  try {
    utimesSync(path, now, now);
  } catch {
    try {
      ensurePrivateFile(path);
    } catch {
      // The directory may be gone (tests removing temp dirs); watchers still poll.
    }
  }
}
