/**
 * `logs.read`: the output of a workspace's container (or a service) through its provider — the
 * same `Provider.logs` `boulder logs` uses — as a server stream: `logs.output` notifications
 * `{ stream, fd, data }`, paced by the connection, then `stream.end` when the logs end (with
 * `follow`: when the container stops, or on `streams.cancel`). Scope `exec`: a container's output
 * can show as much as a command run in it.
 */
import { ApiError, type ApiServices, type CallContext, type MethodModule } from '../../rpc/method.ts';
import { flushed, notifyingOutput } from '../exec/output.ts';
import { workspaceRuntime } from '../exec/runtime.ts';
import type { WorkspaceParams } from '../files/workspace-files.ts';

interface LogsParams extends WorkspaceParams {
  service?: string;
  follow?: boolean;
  /** Only the last N lines. */
  tail?: number;
}

async function readLogs(services: ApiServices, params: LogsParams, ctx: CallContext): Promise<{ stream: string }> {
  if (params.tail !== undefined && (!Number.isSafeInteger(params.tail) || params.tail < 0)) throw new ApiError('InvalidParams', 'tail must be a whole number ≥ 0');
  const runtime = await workspaceRuntime(services, params);
  const stream = ctx.connection.streams.open(async ({ id, signal }) => {
    const stdout = notifyingOutput(ctx.notify, 'logs.output', id, 'stdout');
    const stderr = notifyingOutput(ctx.notify, 'logs.output', id, 'stderr');
    const failed = new AbortController();
    const onError = (err: Error): void => failed.abort(err);
    stdout.on('error', onError);
    stderr.on('error', onError);
    const stop = AbortSignal.any([signal, failed.signal]);
    await runtime.provider.logs(runtime.target, {
      follow: params.follow === true,
      ...(params.service !== undefined ? { service: params.service } : {}),
      ...(params.tail !== undefined ? { tail: params.tail } : {}),
      stdout,
      stderr,
      signal: stop,
    });
    await Promise.all([flushed(stdout), flushed(stderr)]);
    if (failed.signal.aborted) throw failed.signal.reason;
  });
  return { stream: stream.id };
}

/** The logs method. */
export const logsMethods: MethodModule = (services) => [
  { name: 'logs.read', scope: 'exec', workspaceParam: 'workspace', handler: (params: LogsParams, ctx) => readLogs(services, params, ctx) },
];
