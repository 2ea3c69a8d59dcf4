/**
 * Whether the daemon socket's path can be trusted, checked by a client before it connects and by
 * the daemon before it binds. A `daemon.socket` may name a shared directory (/run, /tmp); there
 * another user could bind the path first, and a client that trusted whatever answers would believe
 * a daemon runs (nothing converges) or send it its requests. So:
 * - the socket file (lstat: a link is not followed) must be a socket owned by our own uid;
 * - its directory must not be writable by group or others unless it has the sticky bit (then
 *   nobody else can remove or rename our socket), and must belong to us or to root.
 * The daemon refuses to bind where the directory fails that check. There is no race left between
 * this check and the connect: in such a directory nobody else can replace our socket, and a path
 * that is absent when checked is bound by our daemon or found taken (and checked) when it binds.
 */
import { lstat, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { dirname } from 'node:path';
import { CliError } from '../cli-error.ts';
import { ExitCode } from '../exit-codes.ts';

/** The file-system facts the check reads (replaceable in unit tests). */
export interface SocketTrustDeps {
  lstat: (path: string) => Promise<Pick<Stats, 'uid' | 'mode' | 'isSocket'>>;
  stat: (path: string) => Promise<Pick<Stats, 'uid' | 'mode' | 'isDirectory'>>;
  /** Our own uid; undefined where there are none (Windows): nothing is checked. */
  uid: number | undefined;
}

const realDeps: SocketTrustDeps = { lstat, stat, uid: process.getuid?.() };

const GROUP_OTHER_WRITE = 0o022;
const STICKY = 0o1000;

/** Why the directory of `socket` is no place for our socket, or undefined when it is one. */
export async function socketDirProblem(socket: string, deps: SocketTrustDeps = realDeps): Promise<string | undefined> {
  if (deps.uid === undefined) return undefined;
  const dir = dirname(socket);
  const info = await deps.stat(dir);
  if (!info.isDirectory()) return `its directory ${dir} is not a directory`;
  if (info.uid !== deps.uid && info.uid !== 0) return `its directory ${dir} belongs to uid ${info.uid}, neither us (uid ${deps.uid}) nor root, who could replace the socket`;
  if ((info.mode & GROUP_OTHER_WRITE) !== 0 && (info.mode & STICKY) === 0) {
    return `its directory ${dir} (mode ${(info.mode & 0o7777).toString(8).padStart(4, '0')}) is writable by other users without the sticky bit, so anyone could replace the socket`;
  }
  return undefined;
}

/**
 * Why a client must not talk to `socket`, or undefined when it may (also when nothing is there:
 * the connect then finds it absent).
 */
export async function socketProblem(socket: string, deps: SocketTrustDeps = realDeps): Promise<string | undefined> {
  if (deps.uid === undefined) return undefined;
  let info;
  try {
    info = await deps.lstat(socket);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
  if (!info.isSocket()) return 'it is not a socket (a symbolic link or another file is never followed)';
  if (info.uid !== deps.uid) return `it belongs to uid ${info.uid}, not to us (uid ${deps.uid}): another user bound it, so what answers there is not our daemon`;
  return socketDirProblem(socket, deps);
}

/** The error for an untrusted daemon socket, naming the path, why, and where it was configured. */
export function untrustedSocket(socket: string, why: string, setBy?: string): CliError {
  const where = setBy === undefined ? '' : ` (daemon.socket set by ${setBy})`;
  return new CliError(`refusing the daemon socket ${socket}${where}: ${why}`, ExitCode.Unavailable);
}

/** Throws untrustedSocket when a client must not talk to `socket`. */
export async function assertSocketTrusted(socket: string, deps: SocketTrustDeps = realDeps): Promise<void> {
  const why = await socketProblem(socket, deps);
  if (why !== undefined) throw untrustedSocket(socket, why);
}
