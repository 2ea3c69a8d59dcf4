/**
 * The spawner: a small long-lived node process (bin/boulder-spawner.js), forked once while its
 * parent is still small, that runs programs for it with execFile and answers over the IPC channel.
 * A fork from the parent blocks the parent's event loop for a time that grows with its RSS (the page
 * tables are copied); a fork from the spawner costs the parent one IPC message, however large the
 * parent grows. The spawner ends when its parent goes (its channel closes); it never keeps the
 * parent alive (unref'd; its channel is ref'd only while a run is pending).
 *
 * Until the spawner said it is ready, runs happen in this process (runInProcess). If it ends,
 * the runs it had are rejected with SpawnerLostError (never run twice) and the next run starts a
 * new one; one that ends before it was ever ready is given up on: every run is then in-process.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { ChildProcessError, SpawnerLostError } from './errors.ts';
import { runInProcess } from './in-process.ts';
import { isReady, isReply, type SpawnReply, type SpawnRequest } from './protocol.ts';
import { execOptionsOf, type OutputEncoding, type OutputOf, type RunFileOptions, type RunFileResult } from './types.ts';

/** What the spawner reports about itself (the daemon logs it). */
export type SpawnerEvent =
  | { type: 'ready'; pid: number; startMs: number; forkedAtRss: number }
  | { type: 'lost'; pid: number | undefined; rejected: number }
  | { type: 'unavailable'; reason: string };

/** A run sent to the spawner and not answered yet. */
interface Pending {
  file: string;
  args: readonly string[];
  encoding: OutputEncoding;
  resolve: (result: RunFileResult<string | Buffer>) => void;
  reject: (err: Error) => void;
}

/** Runs programs through a spawner process; see the module comment. */
export class Spawner {
  readonly #script: string;
  #child: ChildProcess | undefined;
  #ready = false;
  #unavailable = false;
  #closed = false;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  /** Told when a spawner is ready, lost or given up on. */
  onEvent: ((event: SpawnerEvent) => void) | undefined;

  /** `script`: the path of bin/boulder-spawner.js. Nothing starts before `start` (or a run). */
  constructor(script: string) {
    this.#script = script;
  }

  /** The pid of the spawner process when it is ready; undefined while runs happen in-process. */
  get pid(): number | undefined {
    return this.#ready ? this.#child?.pid : undefined;
  }

  /** Forks the spawner unless one runs, it was given up on, or this was closed. */
  start(): void {
    if (this.#child !== undefined || this.#unavailable || this.#closed) return;
    const startedAt = performance.now();
    const rss = process.memoryUsage.rss();
    let child: ChildProcess;
    try {
      // No inherited node flags (an --inspect port, a loader): the script needs none.
      child = fork(this.#script, [], { execArgv: [], serialization: 'advanced', stdio: ['ignore', 'ignore', 'inherit', 'ipc'], cwd: '/' });
    } catch (err) {
      this.#giveUp(`it could not be started: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    this.#child = child;
    child.unref();
    child.channel?.unref();
    child.on('message', (message: unknown) => this.#onMessage(child, message, startedAt, rss));
    child.on('disconnect', () => this.#onGone(child));
    // Only a failed spawn leaves no channel to close: a failed send is answered by its callback.
    child.on('error', (err) => {
      if (child.pid === undefined) this.#onGone(child, err instanceof Error ? err.message : String(err));
    });
  }

  /** Runs `file args`: through the spawner when it is ready, else in this process (starting the spawner). */
  run<E extends OutputEncoding = 'utf8'>(file: string, args: readonly string[], options: RunFileOptions<E> = {}): Promise<RunFileResult<OutputOf<E>>> {
    const child = this.#child;
    if (!this.#ready || child === undefined) {
      this.start();
      return runInProcess(file, args, options);
    }
    const id = this.#nextId++;
    const request: SpawnRequest = { id, file, args: [...args], options: { ...execOptionsOf(options), cwd: options.cwd ?? currentDirectory(), env: options.env ?? { ...process.env } } };
    if (options.input !== undefined) request.input = options.input;
    return new Promise((resolve, reject) => {
      const encoding = options.encoding ?? 'utf8';
      this.#pending.set(id, { file, args, encoding, resolve: resolve as Pending['resolve'], reject });
      if (this.#pending.size === 1) child.channel?.ref();
      const unsent = (err: Error): void => this.#settle(id, (p) => p.reject(new SpawnerLostError(p.file, p.args, `the spawner could not be sent the request (${err.message})`)));
      try {
        child.send(request, (err: Error | null) => {
          if (err !== null) unsent(err);
        });
      } catch (err) {
        unsent(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  /** Ends the spawner (it exits when its channel closes); runs from now on happen in-process. */
  close(): void {
    this.#closed = true;
    this.#ready = false;
    if (this.#child?.connected === true) this.#child.disconnect();
  }

  /** A message of `child` (forked at `startedAt`, when this process's RSS was `rss` bytes). */
  #onMessage(child: ChildProcess, message: unknown, startedAt: number, rss: number): void {
    if (child !== this.#child) return;
    if (isReady(message)) {
      this.#ready = true;
      this.onEvent?.({ type: 'ready', pid: child.pid ?? 0, startMs: performance.now() - startedAt, forkedAtRss: rss });
    } else if (isReply(message)) {
      this.#settle(message.id, (pending) => answer(pending, message));
    }
  }

  /** Removes pending run `id` and settles it with `how`. */
  #settle(id: number, how: (pending: Pending) => void): void {
    const pending = this.#pending.get(id);
    if (pending === undefined) return;
    this.#pending.delete(id);
    if (this.#pending.size === 0) this.#child?.channel?.unref();
    how(pending);
  }

  /** The spawner's channel closed (it exited, was killed, or `close` was called). */
  #onGone(child: ChildProcess, spawnError?: string): void {
    if (child !== this.#child) return;
    const wasReady = this.#ready;
    this.#child = undefined;
    this.#ready = false;
    const why = this.#closed ? 'the spawner was closed' : `the spawner process (pid ${child.pid ?? '?'}) ended`;
    const rejected = this.#pending.size;
    for (const id of [...this.#pending.keys()]) this.#settle(id, (p) => p.reject(new SpawnerLostError(p.file, p.args, why)));
    if (this.#closed) return;
    if (wasReady) this.onEvent?.({ type: 'lost', pid: child.pid, rejected });
    else this.#giveUp(spawnError === undefined ? `it exited before it was ready (${this.#script})` : `it could not be started: ${spawnError}`);
  }

  #giveUp(reason: string): void {
    this.#unavailable = true;
    this.onEvent?.({ type: 'unavailable', reason });
  }
}

/** Settles a pending run with its reply, decoding the outputs as it asked. */
function answer(pending: Pending, reply: SpawnReply): void {
  const stdout = decode(reply.stdout, pending.encoding);
  const stderr = decode(reply.stderr, pending.encoding);
  if (reply.failure === undefined) pending.resolve({ stdout, stderr });
  else pending.reject(new ChildProcessError(reply.failure, stdout, stderr));
}

function decode(value: string | Uint8Array, encoding: OutputEncoding): string | Buffer {
  if (encoding === 'utf8') return typeof value === 'string' ? value : Buffer.from(value).toString('utf8');
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/** This process's working directory (a run without `cwd` starts there, as execFile's would); undefined when it is gone. */
function currentDirectory(): string | undefined {
  try {
    return process.cwd();
  } catch {
    return undefined;
  }
}
