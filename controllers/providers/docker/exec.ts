/**
 * Running a command in a workspace container (Docker exec). Without a TTY the output is
 * demultiplexed into stdout and stderr; output goes to the given streams, or is collected into
 * strings when none are given. stdin, when given, is forwarded and closed at its end. The exit code
 * comes from the exec's inspect. A container that is not running answers exit code 126, like a
 * shell asked to run something it cannot. A cancelled exec's process is killed (exec-kill.ts).
 */
import { Writable } from 'node:stream';
import type Dockerode from 'dockerode';
import type { ExecOptions, ExecResult } from '../types.ts';
import { demuxer, passthrough } from './demux.ts';
import { killExec } from './exec-kill.ts';
import { isConflict, toProviderError } from './engine-errors.ts';
import { CONTAINER_START_FAILED } from '../../../apis/names/index.ts';

/** Exit code reported when the command cannot run because the container is not running. */
export const NOT_RUNNING_EXIT_CODE = 126;

/** Runs `command` in the container `container` (a listed container, or undefined when none exists). */
export async function execInContainer(
  docker: Dockerode,
  container: Dockerode.ContainerInfo | undefined,
  command: string[],
  options: ExecOptions = {},
): Promise<ExecResult> {
  if (container === undefined) return notRunning('workspace is not running: it has no container');
  if (container.State !== 'running') return notRunning(`workspace is not running: its container is ${container.State}`);
  const tty = options.tty === true;
  let exec: Dockerode.Exec;
  let stream: NodeJS.ReadableStream;
  try {
    exec = await docker.getContainer(container.Id).exec({
      Cmd: command,
      AttachStdin: options.stdin !== undefined,
      AttachStdout: true,
      AttachStderr: true,
      Tty: tty,
      ...(options.env === undefined ? {} : { Env: Object.entries(options.env).map(([k, v]) => `${k}=${v}`) }),
      ...(options.workdir === undefined ? {} : { WorkingDir: options.workdir }),
    });
    // Hijack the connection only to forward stdin; otherwise the response body carries the output.
    const withStdin = options.stdin !== undefined;
    stream = (await exec.start({ hijack: withStdin, stdin: withStdin, Detach: false, Tty: tty })) as NodeJS.ReadableStream;
  } catch (err) {
    if (isConflict(err)) return notRunning(`workspace is not running: ${(err as Error).message}`);
    throw toProviderError(docker, err, CONTAINER_START_FAILED, `running ${command[0] ?? 'a command'}`);
  }
  const stdout = options.stdout ?? collector();
  const stderr = options.stderr ?? collector();
  // Piped with backpressure: a slow consumer (a daemon API client) pauses the exec's output.
  const sink = stream.pipe(tty ? passthrough(stdout) : demuxer(stdout, stderr));
  const stopResizing = tty ? followTerminalSize(exec, options.stdout) : () => undefined;
  const input = options.stdin;
  if (input !== undefined) input.pipe(stream as NodeJS.ReadWriteStream);
  try {
    await streamDone(stream, sink, options.signal);
  } catch (err) {
    // Cancelled: end the process too (detaching alone would leave it running in the container).
    if (options.signal?.aborted === true) void killExec(docker, container.Id, exec);
    throw err;
  } finally {
    stopResizing();
    if (input !== undefined) input.unpipe(stream as NodeJS.ReadWriteStream);
  }
  return {
    exitCode: await exitCodeOf(docker, exec),
    stdout: options.stdout === undefined ? (stdout as Collector).text() : '',
    stderr: options.stderr === undefined ? (stderr as Collector).text() : '',
  };
}

function notRunning(message: string): ExecResult {
  return { exitCode: NOT_RUNNING_EXIT_CODE, stdout: '', stderr: `${message}\n` };
}

/**
 * Resolves when the exec's output ends and `sink` has passed all of it on (the source may end
 * while the sink still holds chunks its destinations were too slow for); rejects with the
 * signal's reason when it aborts first.
 */
function streamDone(stream: NodeJS.ReadableStream, sink: Writable, signal: AbortSignal | undefined): Promise<void> {
  const destroy = (): void => (stream as NodeJS.ReadableStream & { destroy(): void }).destroy();
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      destroy();
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      destroy();
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (): void => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    };
    sink.once('finish', finish);
    // Closed without an end (e.g. the engine dropped the connection): pass on what arrived, then finish.
    stream.once('close', () => {
      if (!sink.writableEnded) sink.end();
    });
    stream.once('error', (err: Error) => {
      signal?.removeEventListener('abort', onAbort);
      reject(err);
    });
  });
}

/** The exec's exit code; polls briefly while Docker still reports it running after output ended. */
async function exitCodeOf(docker: Dockerode, exec: Dockerode.Exec): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    let info: Dockerode.ExecInspectInfo;
    try {
      info = await exec.inspect();
    } catch (err) {
      throw toProviderError(docker, err, CONTAINER_START_FAILED, 'inspecting an exec');
    }
    if (!info.Running || attempt >= 200) return info.ExitCode ?? -1;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Keeps the exec's TTY the size of `out` when it is a terminal; returns a function to stop. */
function followTerminalSize(exec: Dockerode.Exec, out: NodeJS.WritableStream | undefined): () => void {
  const terminal = out as (NodeJS.WritableStream & { columns?: number; rows?: number; on?: unknown; off?: unknown }) | undefined;
  if (terminal?.columns === undefined || terminal.rows === undefined) return () => undefined;
  const resize = (): void => {
    exec.resize({ h: terminal.rows, w: terminal.columns }).catch(() => undefined);
  };
  resize();
  terminal.on('resize', resize);
  return () => terminal.off?.('resize', resize);
}

interface Collector extends Writable {
  text(): string;
}

function collector(): Collector {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(Buffer.from(chunk));
      callback();
    },
  }) as Collector;
  sink.text = () => Buffer.concat(chunks).toString('utf8');
  return sink;
}
