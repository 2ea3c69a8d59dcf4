/**
 * Where boulder keeps its state (the embedded store, the daemon's lock, pid file and logs).
 * Precedence: an explicit `--state-dir`, then `NEXUS_STATE_DIR`, then `~/.nexus/state`.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** File name of the embedded store inside the state dir. */
export const STORE_FILE = 'boulder.db';

/** Resolves the state directory from an explicit flag value and the environment. */
export function resolveStateDir(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag !== undefined && flag !== '') return resolve(flag);
  const fromEnv = env['NEXUS_STATE_DIR'];
  if (fromEnv !== undefined && fromEnv !== '') return resolve(fromEnv);
  return join(homedir(), '.nexus', 'state');
}

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
