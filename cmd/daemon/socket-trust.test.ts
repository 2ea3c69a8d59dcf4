import { chmod, chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliError } from '../cli-error.ts';
import { acquireDaemonSocket, type DaemonSocket } from './lock.ts';
import { daemonPaths } from './paths.ts';
import { requestDaemon } from './protocol.ts';
import { socketDirProblem, socketProblem, type SocketTrustDeps } from './socket-trust.ts';

const ME = 1000;
const NOBODY = 65534;

/** Fake facts: a socket (or file) and its directory with the given owners and modes. */
function fake(socket: { uid?: number; socket?: boolean; missing?: boolean }, dir: { uid?: number; mode?: number } = {}): SocketTrustDeps {
  return {
    uid: ME,
    lstat: (path) =>
      socket.missing === true
        ? Promise.reject(Object.assign(new Error(`ENOENT ${path}`), { code: 'ENOENT' }))
        : Promise.resolve({ uid: socket.uid ?? ME, mode: 0o140600, isSocket: () => socket.socket ?? true }),
    stat: () => Promise.resolve({ uid: dir.uid ?? ME, mode: 0o40000 | (dir.mode ?? 0o700), isDirectory: () => true }),
  };
}

describe('socketProblem (what a client checks before it connects)', () => {
  it('trusts our own socket in a private directory, in a sticky shared one, or nothing there', async () => {
    await expect(socketProblem('/s/d.sock', fake({}))).resolves.toBeUndefined();
    await expect(socketProblem('/tmp/d.sock', fake({}, { uid: 0, mode: 0o1777 }))).resolves.toBeUndefined();
    await expect(socketProblem('/run/d.sock', fake({}, { uid: 0, mode: 0o755 }))).resolves.toBeUndefined();
    await expect(socketProblem('/s/d.sock', fake({ missing: true }))).resolves.toBeUndefined();
  });

  it("refuses another user's socket, a link or file in its place, and a directory others can write", async () => {
    await expect(socketProblem('/tmp/d.sock', fake({ uid: NOBODY }, { uid: 0, mode: 0o1777 }))).resolves.toBe(
      `it belongs to uid ${NOBODY}, not to us (uid ${ME}): another user bound it, so what answers there is not our daemon`,
    );
    await expect(socketProblem('/s/d.sock', fake({ socket: false }))).resolves.toMatch(/not a socket/);
    await expect(socketProblem('/shared/d.sock', fake({}, { uid: 0, mode: 0o777 }))).resolves.toBe(
      'its directory /shared (mode 0777) is writable by other users without the sticky bit, so anyone could replace the socket',
    );
    await expect(socketProblem('/shared/d.sock', fake({}, { uid: 0, mode: 0o775 }))).resolves.toMatch(/mode 0775\) is writable by other users/);
    await expect(socketProblem('/home/eve/d.sock', fake({}, { uid: NOBODY, mode: 0o755 }))).resolves.toMatch(/belongs to uid 65534, neither us/);
  });

  it('checks nothing where there are no uids', async () => {
    await expect(socketProblem('/s/d.sock', { ...fake({ uid: NOBODY }), uid: undefined })).resolves.toBeUndefined();
    await expect(socketDirProblem('/s/d.sock', { ...fake({}, { mode: 0o777 }), uid: undefined })).resolves.toBeUndefined();
  });
});

describe.runIf(process.getuid?.() === 0)('a squatted daemon socket (real files; chown needs root)', () => {
  let dir: string;
  let squatter: Server | undefined;
  const held: DaemonSocket[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'boulder-squat-'));
  });
  afterEach(async () => {
    for (const s of held.splice(0)) await s.close();
    await new Promise<void>((resolve) => (squatter === undefined ? resolve() : squatter.close(() => resolve())));
    squatter = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  /** Another user binds the configured path first and answers like a daemon. */
  async function squat(socket: string): Promise<void> {
    squatter = createServer((conn) => conn.end('{"pid":1,"startedAt":"2025-01-01T00:00:00Z","stateDir":"/x","version":"0"}\n'));
    await new Promise<void>((resolve) => squatter!.listen(socket, resolve));
    await chown(socket, NOBODY, NOBODY);
  }

  it("the client refuses a socket another user bound, without talking to it, and the daemon won't take it", async () => {
    const shared = join(dir, 'run');
    await mkdir(shared, { mode: 0o1777 });
    await chmod(shared, 0o1777);
    const socket = join(shared, 'boulder.sock');
    await squat(socket);
    let connections = 0;
    squatter!.on('connection', () => connections++);
    const err = await requestDaemon(socket, { op: 'status' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as Error).message).toBe(
      `refusing the daemon socket ${socket}: it belongs to uid ${NOBODY}, not to us (uid 0): another user bound it, so what answers there is not our daemon`,
    );
    expect(connections).toBe(0);
    const paths = daemonPaths(join(dir, 'state'), socket, 'node /etc/nexus/config.yaml:3:11');
    await expect(acquireDaemonSocket(paths, () => ({}))).rejects.toThrow(`refusing the daemon socket ${socket}: it belongs to uid ${NOBODY}`);
  });

  it('the daemon refuses to bind in a directory others can write without the sticky bit, and binds in a sticky one', async () => {
    const open = join(dir, 'open');
    await mkdir(open);
    await chmod(open, 0o777);
    const paths = daemonPaths(join(dir, 'state'), join(open, 'boulder.sock'), 'node /etc/nexus/config.yaml:3:11');
    await expect(acquireDaemonSocket(paths, () => ({}))).rejects.toThrow(
      `refusing the daemon socket ${paths.socket} (daemon.socket set by node /etc/nexus/config.yaml:3:11): its directory ${open} (mode 0777) is writable by other users without the sticky bit`,
    );
    await chmod(open, 0o1777);
    held.push(await acquireDaemonSocket(paths, () => ({ ok: true })));
    await expect(requestDaemon(paths.socket, { op: 'status' })).resolves.toEqual({ state: 'answered', response: { ok: true } });
  });
});
