/**
 * Files of the daemon inside a state dir: the control socket (which is also the lock), the pid
 * file and the log.
 */
import { join } from 'node:path';
import { stateFiles } from '../../apis/config/state-dir.ts';

/** Paths the daemon uses for `stateDir`. */
export interface DaemonPaths {
  stateDir: string;
  /** Unix socket: held by the running daemon, answers status/stop requests. */
  socket: string;
  /** Guard file held briefly while a stale socket is being replaced. */
  takeover: string;
  pid: string;
  logDir: string;
  log: string;
}

/** The daemon's paths for a state dir. */
export function daemonPaths(stateDir: string): DaemonPaths {
  const files = stateFiles(stateDir);
  return {
    stateDir,
    socket: join(stateDir, 'daemon.sock'),
    takeover: join(stateDir, 'daemon.sock.takeover'),
    pid: files.pid,
    logDir: files.logDir,
    log: files.log,
  };
}
