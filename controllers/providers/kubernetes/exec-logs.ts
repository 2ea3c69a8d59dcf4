/**
 * Commands and logs of a workspace's containers through the API server (exec over its WebSocket,
 * logs over HTTP). Both need a kubelet API behind the node (the test cluster's kwok serves one:
 * test/k8s/cli-exec-logs.test.ts); without one they fail with a ProviderError saying so, instead of
 * hanging.
 */
import { PassThrough, Writable } from 'node:stream';
import { Exec, Log, type KubeConfig, type V1Status } from '@kubernetes/client-node';
import { ProviderError } from '../errors.ts';
import type { ExecOptions, ExecResult, LogsOptions } from '../types.ts';
import { apiMessage } from './api-errors.ts';
import { MAIN_CONTAINER } from './manifests.ts';
import { ENGINE_UNAVAILABLE } from '../../../apis/names/index.ts';

/** The container a call addresses: the main one or a service sidecar. */
export function containerOf(service: string | undefined): string {
  return service === undefined ? MAIN_CONTAINER : `svc-${service}`;
}

/**
 * The exit code a finished exec's Status reports: 0 on Success, the ExitCode cause of a
 * NonZeroExitCode failure; undefined when the exec itself failed (e.g. the API server could not
 * reach the kubelet), which is an error, not an exit status.
 */
export function exitCodeOf(status: V1Status): number | undefined {
  if (status.status === 'Success') return 0;
  if (status.reason !== 'NonZeroExitCode') return undefined;
  const code = Number(status.details?.causes?.find((c) => c.reason === 'ExitCode')?.message);
  return Number.isInteger(code) ? code : 1;
}

/** Runs `command` in a container of the Pod; collects output unless streams are given. */
export async function execInPod(kubeConfig: KubeConfig, namespace: string, pod: string, command: string[], options: ExecOptions): Promise<ExecResult> {
  const argv = wrapCommand(command, options);
  let stdout = '';
  let stderr = '';
  const out = options.stdout ?? collector((s) => (stdout += s));
  const err = options.stderr ?? collector((s) => (stderr += s));
  const container = containerOf(options.service);
  return new Promise<ExecResult>((resolve, reject) => {
    const fail = (cause: unknown): void =>
      reject(new ProviderError(ENGINE_UNAVAILABLE, `exec in pod ${namespace}/${pod} (container ${container}) failed: ${apiMessage(cause)} — exec needs a kubelet on the Pod's node`, { transient: true, cause }));
    new Exec(kubeConfig)
      .exec(namespace, pod, container, argv, out as Writable, err as Writable, (options.stdin as NodeJS.ReadableStream & PassThrough | undefined) ?? null, options.tty === true, (status) => {
        const exitCode = exitCodeOf(status);
        if (exitCode === undefined) fail(new Error(status.message ?? status.reason ?? 'exec failed'));
        else resolve({ exitCode, stdout, stderr });
      })
      .then((ws) => {
        ws.on('error', fail);
        ws.on('close', (code: number) => {
          if (code !== 1000) fail(new Error(`websocket closed with code ${code}`));
        });
        options.signal?.addEventListener('abort', () => ws.close(), { once: true });
      }, fail);
  });
}

/** `env` and `workdir` through `env` and `cd`, since the exec API has neither. */
function wrapCommand(command: string[], options: ExecOptions): string[] {
  const env = Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`);
  if (env.length === 0 && options.workdir === undefined) return command;
  const cd = options.workdir === undefined ? [] : ['sh', '-c', 'cd "$0" && exec "$@"', options.workdir];
  return [...(env.length > 0 ? ['env', ...env] : []), ...cd, ...command];
}

function collector(append: (s: string) => void): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      append(chunk.toString('utf8'));
      callback();
    },
  });
}

/** Streams a container's log to `options.stdout` (the API merges stdout and stderr) until it ends or `signal` aborts. */
export async function podLogs(kubeConfig: KubeConfig, namespace: string, pod: string, options: LogsOptions): Promise<void> {
  const container = containerOf(options.service);
  const relay = new PassThrough();
  relay.pipe(options.stdout as Writable, { end: false });
  const ended = new Promise<void>((resolve) => {
    relay.once('end', resolve);
    relay.once('close', resolve);
  });
  let request: AbortController;
  try {
    request = await new Log(kubeConfig).log(namespace, pod, container, relay, {
      follow: options.follow === true,
      ...(options.tail !== undefined ? { tailLines: options.tail } : {}),
    });
  } catch (cause) {
    relay.destroy();
    throw new ProviderError(ENGINE_UNAVAILABLE, `logs of pod ${namespace}/${pod} (container ${container}) failed: ${apiMessage(cause)} — logs need a kubelet on the Pod's node`, { transient: true, cause });
  }
  const onAbort = (): void => {
    request.abort();
    relay.end();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  await ended;
  options.signal?.removeEventListener('abort', onAbort);
}
