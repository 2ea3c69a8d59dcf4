/**
 * Modes of boulder's local state: the state dir (and the directories in it) 0700; the store (and
 * its -wal/-shm), logs, pid file, secrets and the daemon socket 0600 — set explicitly with chmod
 * after create, so they do not depend on the umask.
 *
 * Decision — an existing directory or file with looser modes is **tightened**, not refused: every
 * state dir made before this rule is 0755 (the usual umask), and refusing would break each of them
 * on upgrade for no gain, since the owner may change the modes anyway. What is refused is a state
 * dir or file **owned by another user** (uid other than ours): whoever owns it controls the store
 * and could replace the socket, so boulder does not use it (and could not chmod it).
 */
import { chmodSync, closeSync, constants, fchmodSync, fstatSync, mkdirSync, openSync, statSync } from 'node:fs';
import { BoulderError } from '../errors.ts';

/** Mode of the state dir and every directory boulder makes in it. */
export const PRIVATE_DIR_MODE = 0o700;
/** Mode of the store, logs, pid file, secrets and the daemon socket. */
export const PRIVATE_FILE_MODE = 0o600;

/** The effective uid of this process (undefined where there is none, e.g. Windows). */
function ownUid(): number | undefined {
  return process.geteuid?.();
}

function refuseForeign(path: string, what: string, uid: number): void {
  const own = ownUid();
  if (own === undefined || uid === own) return;
  throw new BoulderError(
    'Forbidden',
    `${what} ${path} belongs to uid ${uid}, not to this user (uid ${own}); boulder keeps its store, logs and socket only in a directory of its own user — use another --state-dir (or NEXUS_STATE_DIR)`,
  );
}

/**
 * Makes `dir` (and its missing parents, mode 0700) a directory of mode 0700 owned by this user:
 * created when missing, tightened when looser. Throws when it is not a directory or belongs to
 * another user.
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const info = statSync(dir);
  if (!info.isDirectory()) throw new BoulderError('Invalid', `${dir} is not a directory`);
  refuseForeign(dir, 'the directory', info.uid);
  if ((info.mode & 0o777) !== PRIVATE_DIR_MODE) chmodSync(dir, PRIVATE_DIR_MODE);
}

/**
 * Makes `file` a regular file of mode 0600 owned by this user: created empty when missing (never
 * through a symbolic link), tightened when looser, its content untouched.
 */
export function ensurePrivateFile(file: string): void {
  const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_NOFOLLOW, PRIVATE_FILE_MODE);
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) throw new BoulderError('Invalid', `${file} is not a regular file`);
    refuseForeign(file, 'the file', info.uid);
    if ((info.mode & 0o777) !== PRIVATE_FILE_MODE) fchmodSync(fd, PRIVATE_FILE_MODE);
  } finally {
    closeSync(fd);
  }
}

/** Sets mode 0600 on `path` when it exists (a file SQLite or the kernel made, e.g. -wal or a socket). */
export function restrictIfExists(path: string): void {
  try {
    chmodSync(path, PRIVATE_FILE_MODE);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
