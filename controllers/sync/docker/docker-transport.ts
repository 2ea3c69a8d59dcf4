/**
 * The Docker `ExecTransport`: execs in a container through the Docker API — a hijacked exec
 * (stdin + demultiplexed stdout) for the shell agent, an attached exec for streamed stdout, and
 * `tar -x` fed through a hijacked exec's stdin for uploads. Not `putArchive`: the daemon holds a
 * per-container lock during it (concurrent uploads would run one after the other, and a producer
 * feeding them in parallel could wait forever), and it extracts as root whatever user the
 * container runs as (root-owned staged files cannot even be hard-linked by a non-root user under
 * `fs.protected_hardlinks`). `tar` runs as the container's user, like the apply script.
 */
import { PassThrough, Writable, type Duplex, type Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import type { ExecTransport, ShellProcess } from '../transport.ts';

/** A transport into `container` (name or id) of `docker`. */
export function dockerTransport(docker: Dockerode, container: string): ExecTransport {
  return {
    name: `docker:${container}`,
    shell: (argv) => dockerShell(docker, container, argv),
    stream: (argv, signal) => execStdout(docker, container, argv, signal),
    upload: (dir, archive) => execUntar(docker, container, dir, archive),
  };
}

/** How long the exec may still report itself running after its output ended. */
const EXIT_WAIT_MS = 5000;

/** Extracts `archive` into `dir` with `tar -x` in the container; rejects with tar's stderr when it fails. */
async function execUntar(docker: Dockerode, container: string, dir: string, archive: Readable): Promise<void> {
  const exec = await docker.getContainer(container).exec({ Cmd: ['tar', '-x', '-f', '-', '-C', dir], AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: false });
  const stream = (await exec.start({ hijack: true, stdin: true, Detach: false, Tty: false })) as Duplex;
  const stderr: Buffer[] = [];
  const discard = new Writable({ write: (_c: Buffer, _e, done) => done() });
  const errors = new Writable({
    write: (chunk: Buffer, _e, done) => {
      if (stderr.length < 64) stderr.push(chunk);
      done();
    },
  });
  docker.modem.demuxStream(stream, discard, errors);
  const ended = new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', reject);
  });
  archive.on('error', (err) => stream.destroy(err));
  // The end of the archive half-closes the connection: tar sees the end of its stdin.
  archive.pipe(stream);
  await ended;
  const deadline = Date.now() + EXIT_WAIT_MS;
  for (;;) {
    const info = await exec.inspect();
    if (!info.Running) {
      if (info.ExitCode === 0) return;
      throw new Error(`tar -x in ${container} failed (exit ${info.ExitCode}): ${Buffer.concat(stderr).toString().trim().slice(0, 2000)}`);
    }
    if (Date.now() > deadline) throw new Error(`tar -x in ${container} did not exit after its input ended`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function dockerShell(docker: Dockerode, container: string, argv: readonly string[]): Promise<ShellProcess> {
  const exec = await docker.getContainer(container).exec({ Cmd: [...argv], AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: false });
  const stream = (await exec.start({ hijack: true, stdin: true, Detach: false, Tty: false })) as NodeJS.ReadWriteStream;
  const stdin = new PassThrough();
  stdin.pipe(stream);
  const stdout = new PassThrough();
  const err = new Writable({ write: (_c: Buffer, _e, done) => done() });
  docker.modem.demuxStream(stream, stdout, err);
  const listeners: Array<(reason: string) => void> = [];
  let ended: string | undefined;
  const end = (why: string): void => {
    if (ended !== undefined) return;
    ended = why;
    for (const l of listeners.splice(0)) l(why);
  };
  stream.on('end', () => end('exec ended'));
  stream.on('close', () => end('exec closed'));
  stream.on('error', (e: Error) => end(`exec failed: ${e.message}`));
  return {
    stdin,
    stdout,
    onEnd(listener) {
      if (ended !== undefined) listener(ended);
      else listeners.push(listener);
    },
    close: () => stdin.end(),
  };
}

/** Starts `cmd` in the container and returns its demultiplexed stdout. */
async function execStdout(docker: Dockerode, container: string, cmd: readonly string[], signal?: AbortSignal): Promise<Readable> {
  const exec = await docker.getContainer(container).exec({ Cmd: [...cmd], AttachStdout: true, AttachStderr: true, Tty: false });
  const stream = (await exec.start({ Detach: false, Tty: false })) as NodeJS.ReadableStream & { destroy(): void };
  const out = new PassThrough();
  const err = new PassThrough();
  err.resume();
  docker.modem.demuxStream(stream, out, err);
  const finish = (): void => {
    out.end();
  };
  stream.on('end', finish);
  stream.on('close', finish);
  stream.on('error', (e: Error) => out.destroy(e));
  signal?.addEventListener('abort', () => stream.destroy(), { once: true });
  return out;
}
