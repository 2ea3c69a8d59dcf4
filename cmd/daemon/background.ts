/**
 * Starting the daemon in the background (what `boulder apply` does when none runs) and stopping it.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError } from '../cli-error.ts';
import { ExitCode } from '../exit-codes.ts';
import { cliEntry } from '../package-root.ts';
import { daemonPaths } from './paths.ts';
import { daemonStatus, requestDaemon, type DaemonStatus } from './protocol.ts';

/** How long a freshly spawned daemon gets to answer on its socket. */
export const DAEMON_START_TIMEOUT_MS = 2000;
const POLL_MS = 25;

/** Result of ensureDaemon. */
export interface EnsureDaemonResult {
  started: boolean;
  status: DaemonStatus;
}

/**
 * Makes sure a daemon runs for `stateDir`: returns the running one's status, or spawns
 * `boulder daemon` detached (stdout/stderr appended to the daemon log) and waits until it answers.
 */
export async function ensureDaemon(stateDir: string, env: NodeJS.ProcessEnv): Promise<EnsureDaemonResult> {
  const paths = daemonPaths(stateDir);
  const running = await daemonStatus(paths.socket);
  if (running !== undefined) return { started: false, status: running };

  mkdirSync(paths.logDir, { recursive: true });
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
    if (status !== undefined) return { started: status.pid === childPid, status };
    if (exited !== undefined || Date.now() > deadline) break;
    await sleep(POLL_MS);
  }
  const why = exited === undefined ? `did not answer within ${DAEMON_START_TIMEOUT_MS} ms` : `exited with code ${exited}`;
  throw new CliError(`the daemon for ${stateDir} ${why}; see ${paths.log}`, ExitCode.Unavailable);
}

/** Asks the daemon to stop and waits until its socket is gone; undefined when none ran. */
export async function stopDaemon(stateDir: string, timeoutMs: number): Promise<DaemonStatus | undefined> {
  const paths = daemonPaths(stateDir);
  const status = await daemonStatus(paths.socket);
  if (status === undefined) return undefined;
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
