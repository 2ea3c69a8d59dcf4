/**
 * A private Docker engine for tests that must stop and restart dockerd: a `dockerd` of the same
 * installation, started by the test in its own network namespace (`unshare --net`, so its bridges
 * and iptables rules never touch the host's) with its own data root, exec root, pid file and
 * socket under a temp dir. Stopping and restarting it disturbs no other engine user; its objects
 * vanish with the temp dir. Needs root (as the shared engine's setup does).
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import Dockerode from 'dockerode';

/** See the module comment. */
export class PrivateEngine {
  /** Temp dir holding everything of this engine (short: it holds unix sockets). */
  readonly dir: string;
  /** Client of this engine. */
  readonly docker: Dockerode;
  /** pid of the running dockerd, when running. */
  pid: number | undefined;

  constructor() {
    this.dir = mkdtempSync('/tmp/bwtdd-');
    this.docker = new Dockerode({ socketPath: this.socketPath });
  }

  /** The engine's socket. */
  get socketPath(): string {
    return path.join(this.dir, 'docker.sock');
  }

  /** DOCKER_HOST value of this engine. */
  get dockerHost(): string {
    return `unix://${this.socketPath}`;
  }

  /** The end of dockerd's log (for failure messages). */
  logTail(lines = 15): string {
    try {
      return readFileSync(path.join(this.dir, 'dockerd.log'), 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** Starts dockerd (again, on the same data root) and waits until it answers. */
  async start(timeoutMs = 60_000): Promise<void> {
    if (this.pid !== undefined && isAlive(this.pid)) throw new Error(`private dockerd already running (pid ${this.pid})`);
    const log = openSync(path.join(this.dir, 'dockerd.log'), 'a');
    const pidFile = path.join(this.dir, 'docker.pid');
    rmSync(pidFile, { force: true });
    // unshare execs dockerd, so the child's pid is dockerd's.
    const child = spawn(
      'unshare',
      ['--net', '--', 'dockerd', '--data-root', path.join(this.dir, 'data'), '--exec-root', path.join(this.dir, 'exec'), '--pidfile', pidFile, '-H', this.dockerHost],
      { detached: true, stdio: ['ignore', log, log] },
    );
    closeSync(log);
    child.unref();
    this.pid = child.pid;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await this.docker.ping();
        return;
      } catch {
        if (this.pid === undefined || !isAlive(this.pid)) throw new Error(`private dockerd exited at start:\n${this.logTail()}`);
        if (Date.now() > deadline) throw new Error(`private dockerd did not answer within ${timeoutMs} ms:\n${this.logTail()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** Stops dockerd with SIGTERM (its containers stop with it) and waits until it is gone. */
  async stop(timeoutMs = 60_000): Promise<void> {
    const pid = this.pid;
    if (pid === undefined) return;
    if (isAlive(pid)) process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + timeoutMs;
    while (isAlive(pid)) {
      if (Date.now() > deadline) {
        process.kill(pid, 'SIGKILL');
        await new Promise((r) => setTimeout(r, 500));
        break;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    this.pid = undefined;
  }

  /** Copies an image from another engine into this one (docker save | docker load). */
  async loadImage(from: Dockerode, ref: string): Promise<void> {
    const stream = await from.getImage(ref).get();
    const response = await this.docker.loadImage(stream);
    await new Promise<void>((resolve, reject) => {
      this.docker.modem.followProgress(response, (err: Error | null) => (err === null ? resolve() : reject(err)));
    });
    await this.docker.getImage(ref).inspect();
  }

  /**
   * Stops the engine, ends containerd shims it left behind (a container started while dockerd
   * shut down can leave one), unmounts anything left under its dir and removes the dir.
   */
  async dispose(): Promise<void> {
    await this.stop();
    for (const pid of this.#leftoverProcesses()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    const mounts = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((line) => line.split(' ')[1] ?? '')
      .filter((target) => target.startsWith(this.dir))
      .sort((a, b) => b.length - a.length);
    for (const target of mounts) {
      try {
        execFileSync('umount', ['-l', target], { stdio: 'ignore' });
      } catch {
        // best effort
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Live processes whose command line names this engine's dir (its containerd and shims). */
  #leftoverProcesses(): number[] {
    const pids: number[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
        if (cmdline.includes(this.dir) && isAlive(Number(entry))) pids.push(Number(entry));
      } catch {
        // gone meanwhile
      }
    }
    return pids;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (exited, not yet reaped by its new parent) still "exists": check its state.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
