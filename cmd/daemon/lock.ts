/**
 * The daemon's lock: the daemon listens on a unix socket in the state dir, and only one process can
 * listen on a path at a time.
 *
 * Why a socket rather than a pid file or flock: a listening socket is released by the kernel when
 * its process dies (however it dies), so a crashed daemon can never leave a live-looking lock — a
 * leftover socket file refuses connections (ECONNREFUSED) and is recognised as stale, where a pid
 * file could name an unrelated process that reused the pid. Node has no flock(2) binding, and
 * the same socket already serves `daemon status` / `daemon stop`, so one mechanism does all three.
 * Replacing a stale socket is guarded by an exclusively created file, so two daemons starting at
 * once cannot both take it over.
 *
 * The socket is created with a umask of 0177 and then chmod 0600, so it is never connectable by
 * anyone but its owner (and root), whatever the caller's umask: that mode, with the 0700 state
 * dir around it, is the control protocol's authentication (see protocol.ts).
 */
import { chmodSync } from 'node:fs';
import { open, rm, stat, unlink } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { PRIVATE_FILE_MODE } from '../../apis/config/private-state.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError } from '../cli-error.ts';
import { ExitCode } from '../exit-codes.ts';
import type { DaemonPaths } from './paths.ts';
import { boundServer, serveControl, type RequestHandler } from './control-server.ts';
import { isDaemonStatus, requestDaemon } from './protocol.ts';
import { socketDirProblem, untrustedSocket } from './socket-trust.ts';

export type { RequestHandler } from './control-server.ts';

/** Longest unix socket path most systems accept (sun_path is 104 bytes on macOS, 108 on Linux). */
const MAX_SOCKET_PATH = 103;
/** A takeover guard older than this was left by a crashed process. */
const STALE_TAKEOVER_MS = 5000;

/**
 * Sets the process umask to `mask` while `bind` runs (the socket file is created synchronously
 * inside `server.listen`), so the socket never exists with looser modes. Where the umask cannot be
 * set (a worker thread), the chmod after listening still applies.
 */
function withUmask(mask: number, bind: () => void): void {
  let previous: number | undefined;
  try {
    previous = process.umask(mask);
  } catch {
    previous = undefined;
  }
  try {
    bind();
  } finally {
    if (previous !== undefined) process.umask(previous);
  }
}

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    withUmask(0o177, () =>
      server.listen(path, () => {
        server.removeListener('error', onError);
        try {
          chmodSync(path, PRIVATE_FILE_MODE);
          resolve();
        } catch (err) {
          server.close();
          reject(err as Error);
        }
      }),
    );
  });
}

/**
 * The error a second daemon fails with. When the running one serves another state dir (a
 * `daemon.socket` shared by several state dirs), the message says so.
 */
export function alreadyRunning(paths: Pick<DaemonPaths, 'stateDir' | 'socket'>, pid: number | undefined, runningFor?: string): CliError {
  const which = pid === undefined ? '' : ` (pid ${pid})`;
  if (runningFor !== undefined && runningFor !== paths.stateDir) {
    return new CliError(`the daemon socket ${paths.socket} is held by the daemon${which} of another state dir, ${runningFor}`, ExitCode.Unavailable);
  }
  return new CliError(`a daemon already runs for ${paths.stateDir}${which}`, ExitCode.Unavailable);
}

/** Removes a stale socket under the takeover guard; false when another process holds the guard. */
async function replaceStaleSocket(paths: DaemonPaths): Promise<boolean> {
  let guard;
  try {
    guard = await open(paths.takeover, 'wx', PRIVATE_FILE_MODE);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const info = await stat(paths.takeover).catch(() => undefined);
    if (info !== undefined && Date.now() - info.mtimeMs > STALE_TAKEOVER_MS) await rm(paths.takeover, { force: true });
    return false;
  }
  try {
    // Re-check under the guard: another daemon may have taken the socket meanwhile.
    const reply = await requestDaemon(paths.socket, { op: 'status' }, 1000);
    if (reply.state === 'absent') await unlink(paths.socket).catch(() => undefined);
    return true;
  } finally {
    await guard.close();
    await rm(paths.takeover, { force: true });
  }
}

/** The daemon's listening socket; closing it releases the lock. */
export interface DaemonSocket {
  server: Server;
  /** Stops listening, drops open control connections and removes the socket file. */
  close(): Promise<void>;
}

function held(server: Server): DaemonSocket {
  const connections = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    connections.add(socket);
    socket.on('close', () => connections.delete(socket));
  });
  return {
    server,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        for (const socket of connections) socket.destroy();
      }),
  };
}

/**
 * Listens on the daemon socket of `paths`, taking over a stale one. Fails with exit code 7 when
 * another daemon answers there (or holds the socket without answering), when the socket's
 * directory is writable by other users without the sticky bit, or when another user holds the
 * socket (socket-trust.ts).
 */
export async function acquireDaemonSocket(paths: DaemonPaths, handler: RequestHandler): Promise<DaemonSocket> {
  if (Buffer.byteLength(paths.socket) > MAX_SOCKET_PATH) {
    const message =
      paths.socketSetBy === undefined
        ? `state dir path too long for the daemon socket (${paths.socket}); use a shorter --state-dir`
        : `daemon socket path too long (${paths.socket}); use a shorter daemon.socket (set by ${paths.socketSetBy})`;
    throw new CliError(message, ExitCode.Unavailable);
  }
  const unsafeDir = await socketDirProblem(paths.socket);
  if (unsafeDir !== undefined) throw untrustedSocket(paths.socket, unsafeDir, paths.socketSetBy);
  for (let attempt = 0; attempt < 20; attempt++) {
    const server = createServer({ allowHalfOpen: true }, serveControl(handler));
    boundServer(server);
    try {
      await listen(server, paths.socket);
      return held(server);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    }
    const reply = await requestDaemon(paths.socket, { op: 'status' }, 1000);
    if (reply.state === 'answered') {
      const running = isDaemonStatus(reply.response) ? reply.response : undefined;
      throw alreadyRunning(paths, running?.pid, running?.stateDir);
    }
    if (reply.state === 'unresponsive') throw alreadyRunning(paths, undefined);
    if (!(await replaceStaleSocket(paths))) await sleep(100);
  }
  throw new CliError(`could not take the daemon socket ${paths.socket}`, ExitCode.Unavailable);
}
