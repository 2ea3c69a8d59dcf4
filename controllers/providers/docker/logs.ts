/**
 * Container logs of a workspace (main or service container), demultiplexed into the caller's
 * stdout and stderr; with `follow`, streams until the container stops or the signal aborts
 * (an abort ends the call normally). The caller's streams are never ended.
 */
import { PassThrough } from 'node:stream';
import type Dockerode from 'dockerode';
import { NotFoundError } from '../../../apis/errors.ts';
import type { LogsOptions, RuntimeTarget } from '../types.ts';
import { demuxer } from './demux.ts';
import { toProviderError } from './engine-errors.ts';
import { CONTAINER_START_FAILED } from '../../../apis/names/index.ts';

/** Writes the logs of `container` to `options.stdout` / `options.stderr`. */
export async function containerLogs(
  docker: Dockerode,
  target: RuntimeTarget,
  container: Dockerode.ContainerInfo | undefined,
  options: LogsOptions,
): Promise<void> {
  const what = options.service === undefined ? `workspace ${target.namespace}/${target.name}` : `service ${options.service} of workspace ${target.namespace}/${target.name}`;
  if (container === undefined) throw new NotFoundError(`${what} has no container`);
  if (options.signal?.aborted) return;
  const common: Dockerode.ContainerLogsOptions = { stdout: true, stderr: true, abortSignal: options.signal };
  if (options.tail !== undefined) common.tail = options.tail;
  let source: NodeJS.ReadableStream;
  try {
    if (options.follow === true) {
      source = await docker.getContainer(container.Id).logs({ ...common, follow: true });
    } else {
      const buffer = await docker.getContainer(container.Id).logs({ ...common, follow: false });
      const replay = new PassThrough();
      replay.end(buffer);
      source = replay;
    }
  } catch (err) {
    if (options.signal?.aborted) return;
    throw toProviderError(docker, err, CONTAINER_START_FAILED, `reading the logs of ${what}`);
  }
  // Piped with backpressure: a slow consumer (a daemon API client) pauses the log stream.
  const sink = source.pipe(demuxer(options.stdout, options.stderr));
  await new Promise<void>((resolve, reject) => {
    const done = (): void => {
      options.signal?.removeEventListener('abort', abort);
      resolve();
    };
    const abort = (): void => {
      (source as NodeJS.ReadableStream & { destroy(): void }).destroy();
      done();
    };
    options.signal?.addEventListener('abort', abort, { once: true });
    sink.once('finish', done);
    source.once('close', () => {
      if (!sink.writableEnded) sink.end();
    });
    source.once('error', (err: Error) => (options.signal?.aborted === true ? done() : reject(err)));
  });
}
