/**
 * Runner of the `socket` category: hostile bytes on the daemon's control socket. One real daemon
 * (the `boulder daemon` binary, in a temporary state dir with nothing configured) serves every case
 * of a test file; each case opens one connection, sends its bytes, and asserts:
 * - the daemon's replies: an error reply with `expect.code` (and `expect.error` in its message),
 *   `replyCount` replies in all when given;
 * - whether the daemon closed the connection (`closed: true`) or kept it usable (then a `status`
 *   request on the same connection is answered);
 * - that the daemon still runs (same pid) and answers `status` on a new connection;
 * - that nothing in the state dir changed but the logs (and SQLite's shared-memory index, which
 *   every reader rewrites).
 *
 * case.yaml fields besides description/expect: `send` (text, sent as UTF-8), `sendHex` (bytes),
 * `repeat: {text, times}` (text repeated, sent after `send`/`sendHex`), `append` (text sent last),
 * `end` (half-close the connection after sending), `closed`, `replyCount`, `waitMs` (how long to
 * wait for the daemon to close the connection; default 8000).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import { requestDaemon, type DaemonStatus } from '../../../cmd/daemon/protocol.ts';
import { BIN, ensureBuilt, processAlive } from '../../cli/harness.ts';
import type { HostileCase } from '../corpus.ts';
import { diffSnapshots, type TreeSnapshot } from '../tree-snapshot.ts';

interface SocketDaemon {
  stateDir: string;
  socket: string;
  /** The daemon's pid. */
  pid: number;
  /** The watchdog process (see WATCHDOG); it exits when the daemon does. */
  child: ChildProcess;
}

let shared: Promise<SocketDaemon> | undefined;

/** `node -e WATCHDOG BIN STATE_DIR`: runs `boulder daemon` until its own stdin closes, then kills it and removes STATE_DIR. */
const WATCHDOG = `
const { spawn } = require('node:child_process');
const { rmSync } = require('node:fs');
const [bin, dir] = process.argv.slice(1);
const daemon = spawn(process.execPath, [bin, '--state-dir', dir, 'daemon'], { stdio: ['ignore', 'ignore', 'inherit'] });
const end = () => { daemon.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }); process.exit(0); };
process.stdin.on('end', end).on('close', end).on('error', end).resume();
daemon.on('exit', (code) => process.exit(code ?? 1));
`;

/** The daemon of this test file: started on first use, killed (and its state dir removed) when the worker exits. */
function sharedDaemon(): Promise<SocketDaemon> {
  return (shared ??= startDaemon());
}

async function startDaemon(): Promise<SocketDaemon> {
  await ensureBuilt();
  const stateDir = mkdtempSync(join(tmpdir(), 'bhs-'));
  const socket = join(stateDir, 'daemon.sock');
  // Through a watchdog that kills the daemon and removes its state dir as soon as this worker goes
  // away (its stdin pipe closes), however the worker ends: vitest gives a runner no per-file hook.
  const child = spawn(process.execPath, ['-e', WATCHDOG, BIN, stateDir], {
    env: { ...process.env, NEXUS_NODE_CONFIG: '', NEXUS_USER_CONFIG: '' },
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  child.stdin?.on('error', () => undefined);
  const deadline = Date.now() + 20_000;
  for (;;) {
    // Started means the store is open and the controllers run (the socket answers a little earlier).
    const reply = stderr.includes('boulder daemon running') ? await requestDaemon(socket, { op: 'status' }, 500) : undefined;
    if (reply?.state === 'answered') return { stateDir, socket, pid: (reply.response as DaemonStatus).pid, child };
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the daemon did not start (exit ${child.exitCode}): ${stderr}`);
    await sleep(50);
  }
}

/** The state dir without the logs, the socket's content and SQLite's -shm index (see the module comment). */
function stateSnapshot(root: string): TreeSnapshot {
  const snapshot: TreeSnapshot = new Map();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const key = relative(root, path);
      if (key === 'logs' || name.endsWith('-shm')) continue;
      const st = lstatSync(path);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isDirectory()) {
        snapshot.set(key, `dir ${mode}`);
        walk(path);
      } else if (st.isSocket()) snapshot.set(key, `socket ${mode} ${st.ino}`);
      else snapshot.set(key, `file ${mode} ${st.size} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`);
    }
  };
  walk(root);
  return snapshot;
}

/** The bytes a case sends. */
function payload(spec: Record<string, unknown>): Buffer {
  const parts: Buffer[] = [];
  if (typeof spec['send'] === 'string') parts.push(Buffer.from(spec['send'], 'utf8'));
  if (typeof spec['sendHex'] === 'string') parts.push(Buffer.from(spec['sendHex'].replace(/\s+/g, ''), 'hex'));
  const repeat = spec['repeat'] as { text?: unknown; times?: unknown } | undefined;
  if (repeat !== undefined) {
    if (typeof repeat.text !== 'string' || typeof repeat.times !== 'number') throw new Error('repeat needs text and times');
    parts.push(Buffer.from(repeat.text.repeat(repeat.times), 'utf8'));
  }
  if (typeof spec['append'] === 'string') parts.push(Buffer.from(spec['append'], 'utf8'));
  if (parts.length === 0) throw new Error('a socket case needs send, sendHex or repeat');
  return Buffer.concat(parts);
}

interface Exchange {
  replies: Record<string, unknown>[];
  closed: boolean;
  /** The answer to a status request sent afterwards on the same connection (when it stayed open). */
  followUp?: Record<string, unknown>;
}

/**
 * Sends `bytes` on a new connection and reads reply lines until the daemon closes it, or — when
 * the connection should stay open — until `replyCount` replies came, then asks `status` on it.
 */
function exchange(socketPath: string, bytes: Buffer, options: { end: boolean; expectClosed: boolean; replyCount: number; waitMs: number }): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    let text = '';
    let settled = false;
    let followUpSent = false;
    const lines = (): Record<string, unknown>[] => text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
    const finish = (closed: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      try {
        const all = lines();
        const replies = followUpSent ? all.slice(0, -1) : all;
        resolve({ replies, closed, ...(followUpSent && all.length > replies.length ? { followUp: all.at(-1)! } : {}) });
      } catch (err) {
        reject(new Error(`a reply line is not JSON: ${String(err)}\n${text.slice(0, 500)}`));
      }
    };
    const timer = setTimeout(() => finish(false), options.waitMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (options.expectClosed || settled) return;
      const count = text.split('\n').length - 1;
      if (!followUpSent && count >= options.replyCount) {
        followUpSent = true;
        socket.write('{"op":"status"}\n');
      } else if (followUpSent && count >= options.replyCount + 1) finish(false);
    });
    socket.on('close', () => finish(true));
    socket.on('error', () => undefined); // EPIPE/ECONNRESET while a closed-for-cause client still writes
    socket.on('connect', () => (options.end ? socket.end(bytes) : socket.write(bytes)));
  });
}

/** Runs one case; see the module comment. */
export async function run(c: HostileCase): Promise<void> {
  const daemon = await sharedDaemon();
  const before = stateSnapshot(daemon.stateDir);
  const expectClosed = c.spec['closed'] === true;
  const replyCount = typeof c.spec['replyCount'] === 'number' ? c.spec['replyCount'] : 1;
  const waitMs = typeof c.spec['waitMs'] === 'number' ? c.spec['waitMs'] : 8000;

  const result = await exchange(daemon.socket, payload(c.spec), { end: c.spec['end'] === true, expectClosed, replyCount, waitMs });

  const errors = result.replies.filter((r) => typeof r['code'] === 'string');
  expect(errors.length, `error replies: ${JSON.stringify(result.replies.slice(0, 3))}`).toBeGreaterThan(0);
  const first = errors[0]!;
  if (c.expect.code !== undefined) expect(first['code']).toBe(c.expect.code);
  if (c.expect.error !== undefined) expect(String(first['error'])).toContain(c.expect.error);
  if (typeof c.spec['replyCount'] === 'number') expect(result.replies).toHaveLength(replyCount);
  expect(result.closed, expectClosed ? 'the daemon closes the connection' : 'the connection stays open').toBe(expectClosed);
  if (!expectClosed) expect(result.followUp, 'a status request on the same connection is answered').toMatchObject({ pid: daemon.pid });

  const status = await requestDaemon(daemon.socket, { op: 'status' }, 2000);
  expect(status, 'the daemon still answers status').toMatchObject({ state: 'answered', response: { pid: daemon.pid, stateDir: daemon.stateDir } });
  expect(daemon.child.exitCode, 'the daemon still runs').toBeNull();
  expect(processAlive(daemon.pid), 'the daemon process still runs').toBe(true);
  expect(diffSnapshots(before, stateSnapshot(daemon.stateDir)), 'nothing in the state dir changed but the logs').toEqual([]);
}
