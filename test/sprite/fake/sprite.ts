// One Sprite of the local API: its directory (filesystem root, checkpoints), lifecycle
// (cold → running → warm → cold) and exec sessions. Processes are real; "warm" is SIGSTOP (memory
// kept, processes resume on wake), "cold" ends them (processes start fresh), as documented.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { SPRITE_HOME, hostPath } from './paths.ts';
import { descendsFrom, killSprite, pidsOf, pidsOfSync, portsOf, signalAll } from './procs.ts';
import type { Session } from './session.ts';
import type { FakeSpriteInfo, SpriteStatus } from './types.ts';

const run = promisify(execFile);

/**
 * Copy a tree (`cp -a`, reflinks where the filesystem has them). Files that vanish while the copy
 * runs — a process of the Sprite deleting its temporary files — are not an error: like the
 * service's copy-on-write checkpoint, the copy is of whatever exists; any other error is.
 */
export async function copyTree(src: string, dest: string): Promise<void> {
  try {
    await run('cp', ['-a', '--reflink=auto', '--no-dereference', src, dest], { maxBuffer: 1024 * 1024 });
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? '');
    const lines = stderr.split('\n').filter(Boolean);
    if (lines.length === 0 || !lines.every((l) => /No such file or directory/.test(l))) {
      throw new Error(`copy failed: ${(lines.join("; ") || (err as Error).message).slice(0, 500)}`, { cause: err });
    }
  }
}

/** How often listeners are polled for port notifications while an exec client is attached. */
const PORT_POLL_MS = 250;

/** A checkpoint as listed by GET .../checkpoints. */
export interface CheckpointRecord {
  id: string;
  create_time: string;
  comment: string;
  is_auto: boolean;
}

/** Timings the lifecycle needs, read at each transition (faults can change them). */
export interface WakeTimings {
  warmMs(): number;
  coldMs(): number;
}

/** One Sprite. */
export class Sprite {
  readonly id = `sprite-${randomUUID()}`;
  readonly name: string;
  readonly org: string;
  /** <root>/<id>: holds fs/ (the filesystem root) and checkpoints/. */
  readonly dir: string;
  readonly fsRoot: string;
  readonly createdAt = new Date().toISOString();
  updatedAt = this.createdAt;
  lastStartedAt: string | null = null;
  lastActiveAt: string | null = null;
  status: SpriteStatus = 'cold';
  urlAuth: 'sprite' | 'public' = 'sprite';
  /** Labels as the client sent them: a list of strings or a string map (the type is undocumented). */
  labels: string[] | Record<string, string> = [];
  readonly checkpoints: CheckpointRecord[] = [];
  readonly sessions = new Map<number, Session>();
  readonly wakes = { warm: 0, cold: 0 };
  /** Open proxy relays, dropped on sleep. */
  readonly proxies = new Set<{ drop(): void }>();
  /** Requests in flight that keep it awake. */
  busy = 0;
  lastActivity = Date.now();
  deleted = false;
  private nextCheckpoint = 1;
  private portWatch: NodeJS.Timeout | null = null;
  private knownPorts: Map<number, { address: string; pid: number }> | null = null;
  private portScan = false;
  private waking: Promise<void> | null = null;
  private readonly timings: WakeTimings;

  constructor(name: string, org: string, root: string, timings: WakeTimings) {
    this.name = name;
    this.org = org;
    this.dir = path.join(root, this.id);
    this.fsRoot = path.join(this.dir, 'fs');
    this.timings = timings;
  }

  /** Lay out the filesystem root: /home/sprite, /tmp, /.sprite/checkpoints. */
  async init(): Promise<void> {
    await fs.mkdir(hostPath(this.fsRoot, SPRITE_HOME), { recursive: true, mode: 0o755 });
    await fs.mkdir(hostPath(this.fsRoot, '/tmp'), { recursive: true, mode: 0o1777 });
    await fs.chmod(hostPath(this.fsRoot, '/tmp'), 0o1777); // mkdir's mode is masked by the umask
    await fs.mkdir(path.join(this.dir, 'checkpoints'), { recursive: true });
  }

  /** The documented Sprite object. */
  toJSON(orgId: string): Record<string, unknown> {
    return {
      id: this.id,
      name: this.name,
      organization: this.org,
      url: `https://${this.name}-${orgId}.sprites.app`,
      url_settings: { auth: this.urlAuth },
      status: this.status,
      labels: this.labels,
      created_at: this.createdAt,
      updated_at: this.updatedAt,
      last_started_at: this.lastStartedAt,
      last_active_at: this.lastActiveAt,
    };
  }

  /**
   * Port notifications: while an exec client is attached, the Sprite's TCP listeners are polled
   * (every `PORT_POLL_MS`) and `{type:"port_opened"|"port_closed", port, address, pid}` goes to the
   * session whose process tree owns the listener (to every attached session if none does, e.g. a
   * daemon that re-parented). Listeners open when the watch starts are the baseline.
   */
  updatePortWatch(): void {
    const attached = [...this.sessions.values()].some((s) => s.active && s.clientCount > 0);
    if (attached && !this.portWatch && !this.deleted) {
      this.portWatch = setInterval(() => void this.scanPorts(), PORT_POLL_MS);
      this.portWatch.unref();
      void this.scanPorts();
    } else if (!attached && this.portWatch) {
      clearInterval(this.portWatch);
      this.portWatch = null;
      this.knownPorts = null;
    }
  }

  private async scanPorts(): Promise<void> {
    if (this.portScan || this.status !== 'running') return;
    this.portScan = true;
    try {
      const now = await portsOf(this.id);
      const before = this.knownPorts;
      this.knownPorts = now;
      if (!before) return;
      for (const [port, l] of now) if (!before.has(port)) await this.notifyPort('port_opened', port, l);
      for (const [port, l] of before) if (!now.has(port)) await this.notifyPort('port_closed', port, l);
    } finally {
      this.portScan = false;
    }
  }

  private async notifyPort(type: string, port: number, l: { address: string; pid: number }): Promise<void> {
    const msg = { type, port, address: l.address, pid: l.pid };
    const attached = [...this.sessions.values()].filter((s) => s.active && s.clientCount > 0);
    const owners: Session[] = [];
    for (const s of attached) if (await descendsFrom(l.pid, s.id)) owners.push(s);
    for (const s of owners.length > 0 ? owners : attached) s.notify(msg);
  }

  /** Mark activity (requests, exec I/O) for the idle timers. */
  touch(): void {
    this.lastActivity = Date.now();
    this.lastActiveAt = new Date().toISOString();
  }

  /** Whether anything keeps it awake (an attached session, an open proxy, a request in flight). */
  get engaged(): boolean {
    if (this.busy > 0 || this.proxies.size > 0) return true;
    for (const s of this.sessions.values()) if (s.active && s.clientCount > 0) return true;
    return false;
  }

  /** Wake it (concurrent callers share one wake); cold wake takes coldMs, warm wake warmMs. */
  async wake(): Promise<void> {
    this.touch();
    if (this.status === 'running') return;
    if (this.waking) return this.waking;
    const from = this.status;
    this.waking = (async () => {
      await new Promise((r) => setTimeout(r, from === 'cold' ? this.timings.coldMs() : this.timings.warmMs()));
      if (this.deleted) return;
      if (from === 'warm') {
        for (const s of this.sessions.values()) if (s.active) s.signal('SIGCONT');
        signalAll(await pidsOf(this.id), 'SIGCONT');
        this.wakes.warm += 1;
      } else {
        this.wakes.cold += 1;
      }
      this.status = 'running';
      this.lastStartedAt = new Date().toISOString();
      this.updatedAt = this.lastStartedAt;
    })().finally(() => {
      this.waking = null;
    });
    return this.waking;
  }

  /** Go to sleep: warm freezes processes, cold ends them; open connections drop either way. */
  async sleep(to: 'warm' | 'cold'): Promise<void> {
    if (this.waking) await this.waking;
    for (const p of [...this.proxies]) p.drop();
    for (const s of this.sessions.values()) s.dropClients();
    if (to === 'warm') {
      if (this.status === 'running') {
        for (const s of this.sessions.values()) if (s.active) s.signal('SIGSTOP');
        signalAll(await pidsOf(this.id), 'SIGSTOP');
      }
      if (this.status !== 'cold') this.status = 'warm';
    } else {
      await this.endProcesses();
      this.status = 'cold';
    }
    this.updatedAt = new Date().toISOString();
  }

  /** End every process and session (cold, restore, delete). */
  async endProcesses(): Promise<void> {
    for (const s of this.sessions.values()) s.kill();
    await killSprite(this.id);
  }

  /** Checkpoint: copy the filesystem root (reflink where the filesystem supports it). */
  async createCheckpoint(comment: string): Promise<CheckpointRecord> {
    const id = `v${this.nextCheckpoint++}`;
    const dest = path.join(this.dir, 'checkpoints', id);
    await copyTree(this.fsRoot, dest);
    const rec: CheckpointRecord = { id, create_time: new Date().toISOString(), comment, is_auto: false };
    this.checkpoints.push(rec);
    return rec;
  }

  /** Drop the oldest checkpoints beyond `max`. */
  async pruneCheckpoints(max: number): Promise<void> {
    while (this.checkpoints.length > max) {
      const old = this.checkpoints.shift();
      if (old) await fs.rm(path.join(this.dir, 'checkpoints', old.id), { recursive: true, force: true });
    }
  }

  /** Restore: end processes and sessions, replace the filesystem root with the checkpoint's copy. */
  async restoreCheckpoint(id: string): Promise<void> {
    await this.endProcesses();
    this.sessions.clear();
    const src = path.join(this.dir, 'checkpoints', id);
    const staging = path.join(this.dir, `restore-${randomUUID()}`);
    await copyTree(src, staging);
    await fs.rm(this.fsRoot, { recursive: true, force: true });
    await fs.rename(staging, this.fsRoot);
    this.updatedAt = new Date().toISOString();
  }

  /** Last resort when the test process exits without close(): SIGKILL everything, synchronously. */
  killSync(): void {
    for (const s of this.sessions.values()) s.kill();
    signalAll(pidsOfSync(this.id), 'SIGKILL');
  }

  /** Delete: end everything and remove its directory. */
  async destroy(): Promise<void> {
    this.deleted = true;
    if (this.portWatch) clearInterval(this.portWatch);
    for (const p of [...this.proxies]) p.drop();
    for (const s of this.sessions.values()) s.dropClients();
    await this.endProcesses();
    this.sessions.clear();
    await fs.rm(this.dir, { recursive: true, force: true });
  }

  /** A test's view of it. */
  info(): FakeSpriteInfo {
    return {
      name: this.name,
      id: this.id,
      status: this.status,
      dir: this.fsRoot,
      home: hostPath(this.fsRoot, SPRITE_HOME),
      pids: pidsOfSync(this.id),
      sessions: [...this.sessions.values()].map((s) => ({ id: s.id, command: s.command, active: s.active, tty: s.spec.tty })),
      checkpoints: this.checkpoints.map((c) => c.id),
      urlAuth: this.urlAuth,
      labels: Array.isArray(this.labels) ? [...this.labels] : Object.entries(this.labels).map(([k, v]) => `${k}=${v}`),
      wakes: { ...this.wakes },
    };
  }
}
