/**
 * The Docker `ExecTransport`: execs in a container through the Docker API — a hijacked exec
 * (stdin + demultiplexed stdout) for the shell agent, an attached exec for streamed stdout, and
 * `putArchive` for uploads.
 */
import { PassThrough, Writable, type Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import type { ExecTransport, ShellProcess } from '../transport.ts';

/** A transport into `container` (name or id) of `docker`. */
export function dockerTransport(docker: Dockerode, container: string): ExecTransport {
  return {
    name: `docker:${container}`,
    shell: (argv) => dockerShell(docker, container, argv),
    stream: (argv, signal) => execStdout(docker, container, argv, signal),
    async upload(dir, archive) {
      await docker.getContainer(container).putArchive(archive, { path: dir });
    },
  };
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
