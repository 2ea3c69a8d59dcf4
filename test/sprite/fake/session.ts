// Exec sessions: one real local process per session (its id is the host PID, as the service reports
// a PID), streamed over WebSocket with the documented framing — without a TTY every binary frame is
// `[stream id][payload]` (0 stdin, 1 stdout, 2 stderr, 3 exit + code byte, 4 stdin EOF); with a TTY
// frames are raw terminal bytes and the exit comes as text `{"type":"exit","exit_code":N}`. JSON text
// frames carry `resize` / `signal` from the client and `session_info` from the server. A session
// outlives its WebSocket (max_run_after_disconnect) and keeps bounded scrollback for the next attach.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WebSocket } from 'ws';

const PTY_HELPER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'pty-helper.py');
/** Python for the pty helper: the system one (fast start), else whatever `python3` PATH finds. */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

const HIGH_WATER = 8 * 1024 * 1024;
let failedSpawns = 0;

export const STREAM = { stdin: 0, stdout: 1, stderr: 2, exit: 3, stdinEOF: 4 } as const;

/** How a session is started (already validated and translated by the route). */
export interface SessionSpec {
  /** Executable (the `path` parameter, else cmd[0], else bash). */
  file: string;
  /** argv, argv[0] included. */
  argv: string[];
  /** Host working directory and its Sprite path. */
  cwd: string;
  workdir: string;
  env: Record<string, string>;
  tty: boolean;
  stdin: boolean;
  cols: number;
  rows: number;
  /** ms the process may run with no client attached; 0 = forever. */
  maxRunAfterDisconnectMs: number;
  scrollbackBytes: number;
}

/** One entry of GET /v1/sprites/{name}/exec. */
export interface SessionListEntry {
  id: number;
  command: string;
  workdir: string;
  created: number;
  bytes_per_second: number;
  is_active: boolean;
  last_activity: number;
  tty: boolean;
}

/** A running (or recently exited) exec session. */
export class Session {
  readonly id: number;
  readonly spec: SessionSpec;
  readonly created = Math.floor(Date.now() / 1000);
  readonly command: string;
  exitCode: number | null = null;
  lastActivity = Date.now();
  /** Called once when the process has exited and its output is flushed. */
  onExit: (code: number) => void = () => undefined;
  /** Called whenever the set of attached clients changes. */
  onClients: () => void = () => undefined;
  private readonly child: ChildProcess;
  private readonly clients = new Set<WebSocket>();
  private owner: WebSocket | null = null;
  private scrollback: { frame: Buffer }[] = [];
  private scrollbackSize = 0;
  private detachTimer: NodeJS.Timeout | null = null;
  private bytesOut = 0;
  private outputPaused = false;
  private cols: number;
  private rows: number;

  constructor(spec: SessionSpec) {
    this.spec = spec;
    this.cols = spec.cols;
    this.rows = spec.rows;
    this.command = spec.argv.join(' ');
    const stdio: ('pipe' | 'ignore')[] = spec.tty ? ['pipe', 'pipe', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe'];
    const [file, args] = spec.tty
      ? [PYTHON, [PTY_HELPER, String(spec.cols), String(spec.rows), spec.file, ...spec.argv]]
      : [spec.file, spec.argv.slice(1)];
    this.child = spawn(file, args, {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio,
      argv0: spec.tty ? undefined : spec.argv[0],
    });
    // The id is the PID, as the service reports; a command that could not start gets a unique
    // number above any PID (pid_max ≤ 2^22).
    this.id = this.child.pid ?? 10_000_000 + ++failedSpawns;
    this.child.stdout?.on('data', (d: Buffer) => this.output(STREAM.stdout, d));
    this.child.stderr?.on('data', (d: Buffer) => this.output(STREAM.stderr, d));
    this.child.stdin?.on('error', () => undefined);
    if (!spec.stdin && !spec.tty) this.child.stdin?.end();
    let exited = false;
    const finish = (code: number): void => {
      if (exited) return;
      exited = true;
      this.exitCode = code;
      this.lastActivity = Date.now();
      if (this.detachTimer) clearTimeout(this.detachTimer);
      const exitFrame = spec.tty ? null : Buffer.from([STREAM.exit, code & 255]);
      if (exitFrame) this.remember(exitFrame);
      for (const ws of this.clients) this.sendExit(ws);
      this.onExit(code);
    };
    this.child.on('error', (err) => {
      this.output(STREAM.stderr, Buffer.from(`exec: ${spec.file}: ${err.message}\n`));
      finish(127);
    });
    this.child.on('exit', (code, signal) => {
      const status = signal ? 128 + (osConstants.signals[signal] ?? 9) : (code ?? 0);
      // Give the pipes a moment to drain (a background child may hold them open for ever).
      const t = setTimeout(() => finish(status), 100);
      this.child.once('close', () => {
        clearTimeout(t);
        finish(status);
      });
    });
  }

  /** Whether the process is still running. */
  get active(): boolean {
    return this.exitCode === null;
  }

  /** Number of attached WebSockets. */
  get clientCount(): number {
    return this.clients.size;
  }

  /** The documented list entry. */
  listEntry(): SessionListEntry {
    const secs = Math.max(1, (Date.now() - this.created * 1000) / 1000);
    return {
      id: this.id,
      command: this.command,
      workdir: this.spec.workdir,
      created: this.created,
      bytes_per_second: Math.round(this.bytesOut / secs),
      is_active: this.active,
      last_activity: Math.floor(this.lastActivity / 1000),
      tty: this.spec.tty,
    };
  }

  /** Attach a WebSocket: session_info, scrollback replay (on re-attach), then live output. */
  attach(ws: WebSocket, replay: boolean): void {
    if (this.detachTimer) {
      clearTimeout(this.detachTimer);
      this.detachTimer = null;
    }
    if (!this.owner) this.owner = ws;
    this.clients.add(ws);
    this.onClients();
    ws.send(JSON.stringify({
      type: 'session_info',
      session_id: this.id,
      command: this.command,
      created: this.created,
      cols: this.cols,
      rows: this.rows,
      is_owner: this.owner === ws,
      tty: this.spec.tty,
    }));
    if (replay) {
      for (const { frame } of this.scrollback) {
        if (!this.spec.tty && frame[0] === STREAM.exit) continue;
        ws.send(frame);
      }
    }
    if (!this.active) {
      this.sendExit(ws);
      return;
    }
    ws.on('message', (data: Buffer, isBinary: boolean) => this.input(data, isBinary));
    ws.on('close', () => this.detach(ws));
    ws.on('error', () => this.detach(ws));
  }

  /** Send a JSON text message to every attached client (port notifications). */
  notify(msg: Record<string, unknown>): void {
    const text = JSON.stringify(msg);
    for (const ws of this.clients) ws.send(text);
  }

  /**
   * Send a signal to the session's command: its process group, or with a TTY the terminal's
   * foreground group (through the pty helper, whose command runs in a session of its own).
   */
  signal(sig: string): boolean {
    const name = (sig.toUpperCase().startsWith('SIG') ? sig.toUpperCase() : `SIG${sig.toUpperCase()}`) as NodeJS.Signals;
    if (!(name in osConstants.signals)) return false;
    if (this.spec.tty) {
      const ctl = this.child.stdio[3] as NodeJS.WritableStream | null;
      if (ctl && this.active) ctl.write(`signal ${name}\n`);
      if (name === 'SIGSTOP' || name === 'SIGCONT') this.groupSignal(name);
      return true;
    }
    return this.groupSignal(name);
  }

  /** Kill the command (and with a TTY the helper shortly after); used by kill timeouts and detach limits. */
  kill(): void {
    this.groupSignal('SIGCONT');
    if (this.spec.tty) {
      this.signal('SIGCONT');
      this.signal('SIGKILL');
      setTimeout(() => this.groupSignal('SIGKILL'), 100).unref();
    } else {
      this.groupSignal('SIGKILL');
    }
  }

  private groupSignal(name: NodeJS.Signals): boolean {
    try {
      process.kill(-this.id, name);
    } catch {
      try {
        process.kill(this.id, name);
      } catch {
        return false;
      }
    }
    return true;
  }

  /** Drop every attached WebSocket without a close frame (sleep, injected faults). */
  dropClients(): void {
    for (const ws of [...this.clients]) ws.terminate();
  }

  private sendExit(ws: WebSocket): void {
    const code = this.exitCode ?? 0;
    if (this.spec.tty) ws.send(JSON.stringify({ type: 'exit', exit_code: code }));
    else ws.send(Buffer.from([STREAM.exit, code & 255]));
    ws.close(1000);
    this.clients.delete(ws);
  }

  private detach(ws: WebSocket): void {
    if (!this.clients.delete(ws)) return;
    if (this.owner === ws) this.owner = null;
    this.onClients();
    if (this.clients.size === 0 && this.active && this.spec.maxRunAfterDisconnectMs > 0) {
      this.detachTimer = setTimeout(() => {
        this.signal('SIGTERM');
        setTimeout(() => this.kill(), 2000).unref();
      }, this.spec.maxRunAfterDisconnectMs);
      this.detachTimer.unref();
    }
  }

  private input(data: Buffer, isBinary: boolean): void {
    this.lastActivity = Date.now();
    if (!isBinary) {
      let msg: { type?: unknown; cols?: unknown; rows?: unknown; signal?: unknown };
      try {
        msg = JSON.parse(data.toString('utf8')) as typeof msg;
      } catch {
        return;
      }
      if (msg.type === 'resize' && typeof msg.cols === 'number' && typeof msg.rows === 'number') {
        this.cols = Math.max(1, Math.min(1000, Math.floor(msg.cols)));
        this.rows = Math.max(1, Math.min(1000, Math.floor(msg.rows)));
        if (this.spec.tty) (this.child.stdio[3] as NodeJS.WritableStream | null)?.write(`resize ${this.cols} ${this.rows}\n`);
      } else if (msg.type === 'signal' && typeof msg.signal === 'string') {
        this.signal(msg.signal);
      }
      return;
    }
    if (!this.active) return;
    if (this.spec.tty) {
      this.writeStdin(data);
      return;
    }
    if (data.length === 0) return;
    if (data[0] === STREAM.stdin && this.spec.stdin) this.writeStdin(data.subarray(1));
    else if (data[0] === STREAM.stdinEOF) this.child.stdin?.end();
  }

  /** Write to the process's stdin; a process that does not read pauses its clients (bounded memory). */
  private writeStdin(data: Buffer): void {
    const stdin = this.child.stdin;
    if (!stdin || stdin.writableEnded || stdin.destroyed) return;
    if (!stdin.write(data)) {
      for (const ws of this.clients) ws.pause();
      stdin.once('drain', () => {
        for (const ws of this.clients) ws.resume();
      });
    }
  }

  private output(stream: number, data: Buffer): void {
    this.lastActivity = Date.now();
    this.bytesOut += data.length;
    const frame = this.spec.tty ? data : Buffer.concat([Buffer.from([stream]), data]);
    this.remember(frame);
    for (const ws of this.clients) ws.send(frame);
    // A client that does not keep up pauses the process's output (bounded memory).
    if ([...this.clients].some((ws) => ws.bufferedAmount > HIGH_WATER) && !this.outputPaused) {
      this.outputPaused = true;
      this.child.stdout?.pause();
      this.child.stderr?.pause();
      const wait = setInterval(() => {
        if ([...this.clients].every((ws) => ws.bufferedAmount <= HIGH_WATER / 2)) {
          clearInterval(wait);
          this.outputPaused = false;
          this.child.stdout?.resume();
          this.child.stderr?.resume();
        }
      }, 20);
      wait.unref();
    }
  }

  private remember(frame: Buffer): void {
    this.scrollback.push({ frame });
    this.scrollbackSize += frame.length;
    while (this.scrollbackSize > this.spec.scrollbackBytes && this.scrollback.length > 1) {
      const first = this.scrollback.shift();
      this.scrollbackSize -= first?.frame.length ?? 0;
    }
  }
}

/** Parse a Go-style duration (`10s`, `1m30s`, `500ms`, `0`) to ms; undefined if malformed. */
export function parseDuration(s: string): number | undefined {
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    const n = Number(m[1]);
    total += n * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const)[m[2] as 'ms' | 's' | 'm' | 'h'];
    matched = re.lastIndex;
  }
  return matched === s.length && s.length > 0 ? total : undefined;
}
