/**
 * Harness of the daemon API tests: a real `boulder daemon` (the built CLI) on a temporary state dir,
 * tokens minted by the real `boulder token create`, raw WebSocket clients (`ws`) for the protocol
 * edge cases, and the SDK (sdk/typescript/src) for the rest.
 */
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { processAlive, runBoulder, startBoulder, tempStateDir, type RunResult, type RunningBoulder } from '../cli/harness.ts';
import type { DaemonStatus } from '../../cmd/daemon/protocol.ts';

/** A daemon under test. */
export interface ApiDaemon {
  stateDir: string;
  socket: string;
  process: RunningBoulder;
  /** Runs the CLI against the daemon's state dir. */
  cli(...args: string[]): Promise<RunResult>;
  /** Mints a token with `boulder token create ARGS`; returns the token and its id. */
  token(...args: string[]): Promise<{ token: string; id: string }>;
  status(): Promise<DaemonStatus>;
  /** Stops the daemon (keeps the state dir). */
  stop(): Promise<void>;
  /** Stops it and removes the state dir. */
  dispose(): Promise<void>;
}

/** Starts a daemon on a fresh (or the given) state dir; `env` adds variables (BOULDER_API_*, NEXUS_NODE_CONFIG). */
export async function startApiDaemon(options: { env?: NodeJS.ProcessEnv; stateDir?: string } = {}): Promise<ApiDaemon> {
  const stateDir = options.stateDir ?? (await tempStateDir());
  const env = { ...options.env };
  const cli = (...args: string[]): Promise<RunResult> => runBoulder(['--state-dir', stateDir, ...args], { env });
  const daemon = startBoulder(['--state-dir', stateDir, 'daemon'], { env });
  await daemon.until((_out, err) => err.includes('boulder daemon running') || err.includes('error:'), 30_000);
  if (!daemon.stderr().includes('boulder daemon running')) throw new Error(`daemon did not start: ${daemon.stderr()}`);
  const stop = async (): Promise<void> => {
    await cli('daemon', 'stop', '--timeout', '10s');
    const pid = daemon.child.pid;
    if (pid !== undefined && processAlive(pid)) process.kill(pid, 'SIGKILL');
    await daemon.exited;
  };
  return {
    stateDir,
    socket: join(stateDir, 'api.sock'),
    process: daemon,
    cli,
    async token(...args) {
      const r = await cli('token', 'create', ...args);
      if (r.code !== 0) throw new Error(`token create failed: ${r.stderr}`);
      const id = /^token (\S+) /.exec(r.stderr)?.[1];
      if (id === undefined) throw new Error(`no token id in ${r.stderr}`);
      return { token: r.stdout.trim(), id };
    },
    async status() {
      const r = await cli('daemon', 'status', '-o', 'json');
      return JSON.parse(r.stdout) as DaemonStatus;
    },
    stop,
    async dispose() {
      await stop();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** A raw protocol client: every frame received, in order. */
export interface RawClient {
  ws: WebSocket;
  frames: unknown[];
  closed: Promise<{ code: number; reason: string }>;
  send(message: unknown): void;
  /** The next frame matching `predicate` (waits up to `timeoutMs`). */
  next(predicate?: (frame: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  call(method: string, params?: unknown): Promise<Record<string, unknown>>;
}

let rawId = 1000;

/** Opens a raw WebSocket to the daemon's unix socket (with `Authorization: Bearer token` when given). */
export async function rawClient(socket: string, token?: string): Promise<RawClient> {
  const ws = new WebSocket(`ws+unix://${socket}:/`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
  const frames: unknown[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (data) => {
    frames.push(JSON.parse(String(data)));
    for (const w of waiters) w();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let seen = 0;
  const client: RawClient = {
    ws,
    frames,
    closed,
    send: (message) => ws.send(typeof message === 'string' ? message : JSON.stringify(message)),
    async next(predicate = () => true, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        while (seen < frames.length) {
          const frame = frames[seen++] as Record<string, unknown>;
          if (predicate(frame)) return frame;
        }
        if (Date.now() > deadline) throw new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(frames)}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 50);
          waiters.add(() => {
            clearTimeout(timer);
            resolve();
          });
        });
        waiters.clear();
      }
    },
    async call(method, params) {
      const id = ++rawId;
      client.send({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });
      return client.next((f) => f.id === id);
    },
  };
  return client;
}

/** The private signing key's JWK of a state dir (for tests that forge tokens with it). */
export function signingJwk(stateDir: string): Record<string, string> {
  return JSON.parse(readFileSync(join(stateDir, 'api-key.jwk'), 'utf8')) as Record<string, string>;
}
