/**
 * The Kubernetes `ExecTransport`: every call is a Pod exec through the API server
 * (`pods/exec` over its WebSocket, @kubernetes/client-node `Exec`), so boulder needs nothing but
 * the `pods/exec` permission — no port-forward, no sidecar, nothing installed in the image
 * beyond what the shell endpoint needs (sh, find, stat, sha256sum, tar, dd).
 * - `shell`: one long exec with stdin (the shell agent);
 * - `stream`: an exec under the stop guard (framing.ts), stopped with an in-band `stop` line;
 * - `upload`: `tar -x` fed with length-prefixed frames, sent with backpressure (each WebSocket
 *   send waits for the previous one to be written).
 * A Pod that is missing or not running makes the call reject (the engine retries the cycle).
 */
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { Exec, type KubeConfig, type V1Status } from '@kubernetes/client-node';
import { BoulderError } from '../../../apis/errors.ts';
import type { ExecTransport, ShellProcess } from '../transport.ts';
import { frames, guarded, STOP_LINE, uploadCommand } from './framing.ts';

/** The container a transport execs into. */
export interface PodTarget {
  kubeConfig: KubeConfig;
  namespace: string;
  pod: string;
  container: string;
  /** Run before every exec; when it throws, no exec is made and the call rejects with its error. */
  guard?: () => Promise<void>;
}

/** How long a stopped stream may take to exit before its connection is dropped. */
const STOP_GRACE_MS = 2000;

/** A transport into `target` (see the module comment). */
export function podTransport(target: PodTarget): ExecTransport {
  const name = `pod:${target.namespace}/${target.pod}/${target.container}`;
  return {
    name,
    async shell(argv): Promise<ShellProcess> {
      const exec = await openExec(target, name, argv);
      return {
        stdin: exec.stdin,
        stdout: exec.stdout,
        onEnd: (listener) => void exec.ended.then(listener),
        close: () => exec.close(),
      };
    },
    async stream(argv, signal): Promise<Readable> {
      const exec = await openExec(target, name, guarded(argv));
      let stopping = false;
      const stop = (): void => {
        if (stopping) return;
        stopping = true;
        void exec.send(Buffer.from(STOP_LINE)).catch(() => undefined);
        setTimeout(() => exec.close(), STOP_GRACE_MS).unref();
      };
      if (signal?.aborted === true) stop();
      signal?.addEventListener('abort', stop, { once: true });
      exec.stdout.once('close', () => {
        if (exec.done) return;
        stop();
      });
      void exec.ended.then(() => signal?.removeEventListener('abort', stop));
      return exec.stdout;
    },
    async upload(dir, archive) {
      const exec = await openExec(target, name, uploadCommand(dir));
      exec.stdout.resume();
      try {
        for await (const piece of frames(archive as AsyncIterable<Buffer>)) {
          if (exec.done) break;
          await exec.send(piece);
        }
      } catch (err) {
        exec.close();
        throw err;
      }
      const status = await exec.status;
      if (status?.status !== 'Success') {
        exec.close();
        throw new BoulderError('Unavailable', `upload into ${name}:${dir} failed: ${describeStatus(status)}${exec.stderrTail() === '' ? '' : ` (${exec.stderrTail()})`}`);
      }
    },
  };
}

/** One exec and its plumbing. */
interface OpenExec {
  /** Written to the process's stdin by the client library (no backpressure: small writes only). */
  readonly stdin: Writable;
  /** The process's stdout; ends when it exits, errors when the connection is lost first. */
  readonly stdout: PassThrough;
  /** The final status (undefined when the connection closed without one). */
  readonly status: Promise<V1Status | undefined>;
  /** Resolves with a reason once the exec is over (status received or connection closed). */
  readonly ended: Promise<string>;
  /** True once `ended` resolved. */
  readonly done: boolean;
  /** Sends bytes to stdin, resolving once they are written to the socket (backpressure). */
  send(data: Buffer): Promise<void>;
  /** The end of stderr (for messages). */
  stderrTail(): string;
  /** Drops the connection. */
  close(): void;
}

/** The part of `ws`'s WebSocket the transport uses. */
interface Socket {
  send(data: Buffer, callback: (err?: Error) => void): void;
  close(): void;
  on(event: 'close', listener: () => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
}

async function openExec(target: PodTarget, name: string, argv: readonly string[]): Promise<OpenExec> {
  await target.guard?.();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = new PassThrough();
  // Writes after a consumer destroyed stdout must not crash the process.
  stdout.on('error', () => undefined);
  let tail = '';
  stderr.on('data', (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-2000)));
  let settle!: (status: V1Status | undefined) => void;
  const status = new Promise<V1Status | undefined>((resolve) => (settle = resolve));
  let finished: string | undefined;
  let endWith!: (reason: string) => void;
  const ended = new Promise<string>((resolve) => (endWith = resolve));
  const finish = (reason: string, error?: Error): void => {
    if (finished !== undefined) return;
    finished = reason;
    if (error !== undefined) stdout.destroy(error);
    else stdout.end();
    endWith(reason);
  };
  let socket: Socket;
  try {
    socket = (await new Exec(target.kubeConfig).exec(target.namespace, target.pod, target.container, [...argv], stdout, stderr, stdin, false, (s) => {
      settle(s);
      finish(`exec ended (${describeStatus(s)})`);
    })) as unknown as Socket;
  } catch (err) {
    throw new BoulderError('Unavailable', `exec in ${name} failed: ${(err as Error).message ?? String(err)} (is the Pod running?)`, { cause: err });
  }
  socket.on('close', () => {
    settle(undefined);
    finish('exec connection closed', new Error(`exec connection to ${name} closed before the command ended`));
  });
  socket.on('error', (err) => {
    settle(undefined);
    finish(`exec connection failed: ${err.message}`, err);
  });
  return {
    stdin,
    stdout,
    status,
    ended,
    get done() {
      return finished !== undefined;
    },
    send: (data) =>
      new Promise<void>((resolve, reject) => {
        if (finished !== undefined) {
          reject(new Error(`exec in ${name} already ended: ${finished}`));
          return;
        }
        const message = Buffer.allocUnsafe(data.length + 1);
        message[0] = 0; // stdin channel
        data.copy(message, 1);
        socket.send(message, (err) => (err === undefined || err === null ? resolve() : reject(err)));
      }),
    stderrTail: () => tail.trim().replaceAll('\n', ' '),
    close: () => {
      stdin.end();
      socket.close();
    },
  };
}

function describeStatus(status: V1Status | undefined): string {
  if (status === undefined) return 'no exit status';
  if (status.status === 'Success') return 'exit 0';
  const code = status.details?.causes?.find((c) => c.reason === 'ExitCode')?.message;
  return code !== undefined ? `exit ${code}` : (status.message ?? status.reason ?? 'failed');
}
