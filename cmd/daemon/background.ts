/**
 * Starting the daemon in the background (what `boulder apply` does when none runs) and stopping it.
 */
import { closeSync, openSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError } from '../cli-error.ts';
import type { CliDeps } from '../command.ts';
import { ExitCode } from '../exit-codes.ts';
import { cliEntry } from '../../apis/package-root.ts';
import { daemonPathsOf, prepareDaemonFiles, type DaemonPaths } from './paths.ts';
import { daemonStatus, requestDaemon, type DaemonStatus } from './protocol.ts';

/** How long a freshly spawned daemon gets to answer on its socket (one that exits is seen at once; a loaded machine can take seconds to start Node). */
export const DAEMON_START_TIMEOUT_MS = 10_000;
const POLL_MS = 25;

/** Result of ensureDaemon. */
export interface EnsureDaemonResult {
  started: boolean;
  status: DaemonStatus;
}

/** What ensureDaemon and stopDaemon need of a command's dependencies. */
export type DaemonDeps = Pick<CliDeps, 'stateDir' | 'daemon'>;

/**
 * Fails when the daemon answering on the socket serves another state dir: a `daemon.socket`
 * shared by several state dirs (e.g. a node file's, with `--state-dir` pointing elsewhere).
 */
export function checkServesStateDir(paths: DaemonPaths, status: DaemonStatus): void {
  if (status.stateDir === paths.stateDir) return;
  const setBy = paths.socketSetBy === undefined ? '' : ` (daemon.socket, set by ${paths.socketSetBy})`;
  throw new CliError(
    `the daemon on ${paths.socket}${setBy} (pid ${status.pid}) serves the state dir ${status.stateDir}, not ${paths.stateDir}; use that state dir, or stop it with boulder --state-dir ${status.stateDir} daemon stop`,
    ExitCode.Unavailable,
  );
}

/**
 * Makes sure a daemon runs for the state dir of `deps`, on its configured socket: returns the
 * running one's status, or spawns `boulder daemon` detached (stdout/stderr appended to the daemon
 * log; it resolves the same socket and log level from the same environment) and waits until it
 * answers.
 */
export async function ensureDaemon(deps: DaemonDeps, env: NodeJS.ProcessEnv): Promise<EnsureDaemonResult> {
  const paths = daemonPathsOf(deps);
  const stateDir = paths.stateDir;
  const running = await daemonStatus(paths.socket);
  if (running !== undefined) {
    checkServesStateDir(paths, running);
    return { started: false, status: running };
  }

  // node:child_process only when a daemon must be started: a running one is the common case.
  const { spawn } = await import('node:child_process');
  prepareDaemonFiles(paths);
  const log = openSync(paths.log, 'a');
  let exited: number | null | undefined;
  let childPid: number | undefined;
  try {
    const child = spawn(process.execPath, [cliEntry(), 'daemon', '--state-dir', stateDir], {
      detached: true,
      stdio: ['ignore', log, log],
      env,
    });
    childPid = child.pid;
    child.once('exit', (code) => (exited = code));
    child.unref();
  } finally {
    closeSync(log);
  }
  const deadline = Date.now() + DAEMON_START_TIMEOUT_MS;
  for (;;) {
    const status = await daemonStatus(paths.socket, 500);
    // A daemon started concurrently by another process is as good as ours.
    if (status !== undefined) {
      checkServesStateDir(paths, status);
      return { started: status.pid === childPid, status };
    }
    if (exited !== undefined || Date.now() > deadline) break;
    await sleep(POLL_MS);
  }
  const why = exited === undefined ? `did not answer within ${DAEMON_START_TIMEOUT_MS} ms` : `exited with code ${exited}`;
  throw new CliError(`the daemon for ${stateDir} ${why}; see ${paths.log}`, ExitCode.Unavailable);
}

/**
 * Asks the daemon of the state dir of `deps` to stop and waits until its socket is gone; undefined
 * when none ran. Refuses to stop a daemon of another state dir that holds the configured socket.
 */
export async function stopDaemon(deps: DaemonDeps, timeoutMs: number): Promise<DaemonStatus | undefined> {
  const paths = daemonPathsOf(deps);
  const stateDir = paths.stateDir;
  const status = await daemonStatus(paths.socket);
  if (status === undefined) return undefined;
  checkServesStateDir(paths, status);
  await requestDaemon(paths.socket, { op: 'stop' });
  const deadline = Date.now() + timeoutMs;
  while ((await requestDaemon(paths.socket, { op: 'status' }, 1000)).state !== 'absent') {
    if (Date.now() > deadline) {
      throw new CliError(`the daemon for ${stateDir} (pid ${status.pid}) did not stop within ${timeoutMs} ms`, ExitCode.Timeout);
    }
    await sleep(50);
  }
  await waitForExit(status.pid, Math.min(EXIT_GRACE_MS, Math.max(0, deadline - Date.now())));
  return status;
}

/** After the socket closed, the process still has to exit; waited for briefly (best effort). */
const EXIT_GRACE_MS = 2000;

async function waitForExit(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await sleep(20);
  }
}
