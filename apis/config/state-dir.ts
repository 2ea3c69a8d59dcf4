/**
 * The files boulder keeps in its state dir (the embedded store, the daemon's pid file and logs).
 * Which directory that is — `--state-dir`, `NEXUS_STATE_DIR`, the user and node files'
 * `daemon.state_dir`, a multi-user node's `multi_user.state_dir`, else `~/.nexus/state` — is
 * resolveDaemonSettings' job (daemon-config.ts).
 */
import { join } from 'node:path';

/** File name of the embedded store inside the state dir. */
export const STORE_FILE = 'boulder.db';

/** Paths of the files boulder keeps in a state dir. */
export function stateFiles(stateDir: string): { store: string; lock: string; pid: string; logDir: string; log: string } {
  return {
    store: join(stateDir, STORE_FILE),
    lock: join(stateDir, 'daemon.lock'),
    pid: join(stateDir, 'daemon.pid'),
    logDir: join(stateDir, 'logs'),
    log: join(stateDir, 'logs', 'daemon.log'),
  };
}
