/**
 * Files of the daemon: the control socket (which is also the lock; `<state dir>/daemon.sock` unless
 * the configuration's `daemon.socket` names another path), the pid file and the log in the state dir.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DAEMON_SOCKET_FILE } from '../../apis/config/daemon-settings.ts';
import { ensurePrivateDir, ensurePrivateFile, PRIVATE_DIR_MODE } from '../../apis/config/private-state.ts';
import { describeOrigin } from '../../apis/config/origin.ts';
import { stateFiles } from '../../apis/config/state-dir.ts';
import type { CliDeps } from '../command.ts';

/** Paths the daemon uses for `stateDir`. */
export interface DaemonPaths {
  stateDir: string;
  /** Unix socket: held by the running daemon, answers status/stop requests. */
  socket: string;
  /** Where the socket path was configured (`node /etc/nexus/config.yaml:3:11`); absent for the default. */
  socketSetBy?: string;
  /** Guard file held briefly while a stale socket is being replaced (next to the socket). */
  takeover: string;
  pid: string;
  logDir: string;
  log: string;
}

/** The daemon's paths for a state dir, with the socket at `socket` (default `<stateDir>/daemon.sock`). */
export function daemonPaths(stateDir: string, socket?: string, socketSetBy?: string): DaemonPaths {
  const files = stateFiles(stateDir);
  const path = socket ?? join(stateDir, DAEMON_SOCKET_FILE);
  return {
    stateDir,
    socket: path,
    ...(socketSetBy === undefined ? {} : { socketSetBy }),
    takeover: `${path}.takeover`,
    pid: files.pid,
    logDir: files.logDir,
    log: files.log,
  };
}

/** The daemon's paths for a command's state dir and configured socket. */
export function daemonPathsOf(deps: Pick<CliDeps, 'stateDir' | 'daemon'>): DaemonPaths {
  const origin = deps.daemon?.origins.socket;
  return daemonPaths(deps.stateDir, deps.daemon?.socket, origin === undefined ? undefined : describeOrigin(origin));
}

/**
 * Makes the daemon's directories and log before anything is written there: the state dir and its
 * logs dir 0700 (tightened when looser), the log 0600. A socket configured outside the state dir
 * gets its directory made 0700 when missing; an existing one is left as it is (it may be a shared
 * directory such as /run, which the daemon refuses unless only we, root or the sticky bit guard
 * it: see socket-trust.ts), and the socket itself is 0600 (see lock.ts).
 */
export function prepareDaemonFiles(paths: DaemonPaths): void {
  ensurePrivateDir(paths.stateDir);
  ensurePrivateDir(paths.logDir);
  ensurePrivateFile(paths.log);
  mkdirSync(dirname(paths.socket), { recursive: true, mode: PRIVATE_DIR_MODE });
}
