/**
 * `exec.*`: a command in a workspace's container (or a service) through the workspace's provider
 * — the same `Provider.exec` `boulder exec` uses. `exec.start` opens a server stream and returns
 * its id at once; output arrives as `exec.output` notifications `{ stream, fd, data }` (paced by
 * the connection: a slow client pauses the command's output at the engine), then one `exec.exit`
 * `{ stream, exitCode }` (or `{ stream, cancelled: true }`), then `stream.end`. Data to the
 * command is more calls on the stream id: `exec.write`, `exec.closeStdin`, `exec.resize` (TTY),
 * `exec.kill` (cancels the provider's exec: the Docker provider then kills the process in the
 * container, see controllers/providers/docker/exec-kill.ts; the stream ends with `cancelled`).
 */
import { PassThrough } from 'node:stream';
import { ApiError, type ApiServices, type CallContext, type ConnectionContext, type MethodDefinition, type MethodModule } from '../../rpc/method.ts';
import type { WorkspaceParams } from '../files/workspace-files.ts';
import { flushed, notifyingOutput, OUTPUT_CHUNK_BYTES, type NotifyingOutput } from './output.ts';
import { workspaceRuntime } from './runtime.ts';
import type { Workspace } from '../../../apis/types/index.ts';
import { fileRootOf } from '../files/file-root.ts';
import { SafeRoot } from '../files/safe-fs.ts';
import { actorOf, recorderFor } from '../../trace/recorder.ts';

/** At most this many execs run at once on one connection. */
export const MAX_EXECS_PER_CONNECTION = 64;

interface StartParams extends WorkspaceParams {
  command: string[];
  tty?: boolean;
  /** Forward `exec.write` data to the command's stdin (else it has none). */
  stdin?: boolean;
  env?: Record<string, string>;
  workdir?: string;
  service?: string;
  columns?: number;
  rows?: number;
}

/** A running exec: what its stream-id calls reach. */
interface ExecSession {
  stdin?: PassThrough;
  stdout: NotifyingOutput;
  stderr: NotifyingOutput;
  kill: AbortController;
}

/** The running execs of this daemon, by `connection/stream`. */
const sessions = new Map<string, ExecSession>();

function sessionOf(connection: ConnectionContext, stream: string): ExecSession {
  const session = sessions.get(`${connection.id}/${stream}`);
  if (session === undefined) throw new ApiError('NotFound', `no exec ${JSON.stringify(stream)} runs on this connection (it ended, or was started on another connection)`);
  return session;
}

function countOf(connection: ConnectionContext): number {
  let n = 0;
  for (const key of sessions.keys()) if (key.startsWith(`${connection.id}/`)) n++;
  return n;
}

async function start(services: ApiServices, params: StartParams, ctx: CallContext): Promise<{ stream: string }> {
  if (params.command.length === 0) throw new ApiError('InvalidParams', 'command must name a program');
  if (countOf(ctx.connection) >= MAX_EXECS_PER_CONNECTION) throw new ApiError('TooLarge', `at most ${MAX_EXECS_PER_CONNECTION} execs may run on one connection`);
  const runtime = await workspaceRuntime(services, params);
  recordCommand(services, params, ctx, runtime.workspace);
  const tty = params.tty === true;
  // The session exists before the stream runs (from the next turn of the event loop, after the
  // client has the id in the result), so exec.write never misses it.
  const ids = { stream: '' };
  const stdout = notifyingOutput(ctx.notify, 'exec.output', () => ids.stream, 'stdout');
  const stderr = notifyingOutput(ctx.notify, 'exec.output', () => ids.stream, 'stderr');
  if (tty) stdout.resize(params.columns ?? 80, params.rows ?? 24);
  const kill = new AbortController();
  // A notification that cannot be sent (connection gone, client too slow) ends the exec.
  const onOutputError = (err: Error): void => kill.abort(err);
  stdout.on('error', onOutputError);
  stderr.on('error', onOutputError);
  const session: ExecSession = { stdout, stderr, kill };
  if (params.stdin === true) session.stdin = new PassThrough({ highWaterMark: OUTPUT_CHUNK_BYTES });
  const stream = ctx.connection.streams.open(async ({ id, signal }) => {
    const key = `${ctx.connection.id}/${id}`;
    const stop = AbortSignal.any([kill.signal, signal]);
    try {
      let exitCode: number | undefined;
      try {
        const result = await runtime.provider.exec(runtime.target, params.command, {
          tty,
          ...(params.env !== undefined ? { env: params.env } : {}),
          ...(params.workdir !== undefined ? { workdir: params.workdir } : {}),
          ...(params.service !== undefined ? { service: params.service } : {}),
          ...(session.stdin !== undefined ? { stdin: session.stdin } : {}),
          stdout,
          stderr,
          signal: stop,
        });
        // Text the provider returned instead of streaming (e.g. why the command could not run).
        if (result.stdout !== '') stdout.write(result.stdout);
        if (result.stderr !== '') stderr.write(result.stderr);
        exitCode = result.exitCode;
      } catch (err) {
        if (!stop.aborted) throw err;
      }
      await Promise.all([flushed(stdout), flushed(stderr)]);
      if (signal.aborted) return;
      await ctx.notify('exec.exit', exitCode === undefined ? { stream: id, cancelled: true } : { stream: id, exitCode });
    } finally {
      sessions.delete(key);
      session.stdin?.destroy();
    }
  });
  ids.stream = stream.id;
  sessions.set(`${ctx.connection.id}/${stream.id}`, session);
  return { stream: stream.id };
}

/** Records the command as an Agent Trace record when the token carries a contributor (never fails the exec). */
function recordCommand(services: ApiServices, params: StartParams, ctx: CallContext, workspace: Workspace): void {
  const actor = actorOf(ctx.principal, params);
  if (actor === undefined) return;
  const fileRoot = fileRootOf(workspace);
  if (fileRoot.kind !== 'host') return;
  let root: SafeRoot;
  try {
    root = SafeRoot.open(fileRoot.path);
  } catch (err) {
    ctx.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'agent trace: the worktree could not be opened to record a command');
    return;
  }
  try {
    recorderFor(services).exec(root, actor, params.command);
  } finally {
    root.close();
  }
}

/** The exec methods. */
export const execMethods: MethodModule = (services) => {
  const methods: MethodDefinition[] = [
    { name: 'exec.start', scope: 'exec', workspaceParam: 'workspace', handler: (params: StartParams, ctx) => start(services, params, ctx) },
    {
      name: 'exec.write',
      scope: 'exec',
      async handler(params: { stream: string; data: string }, ctx) {
        const { stdin } = sessionOf(ctx.connection, params.stream);
        if (stdin === undefined) throw new ApiError('Conflict', 'this exec was started without stdin');
        if (stdin.writableEnded) throw new ApiError('Conflict', "this exec's stdin is closed");
        const bytes = Buffer.from(params.data, 'base64');
        if (bytes.length > OUTPUT_CHUNK_BYTES) throw new ApiError('TooLarge', `write at most ${OUTPUT_CHUNK_BYTES} bytes per call`);
        // Resolves when the command's side took it (backpressure for the client's writes).
        if (!stdin.write(bytes)) await new Promise<void>((resolve) => {
          const done = (): void => {
            stdin.off('drain', done);
            stdin.off('close', done);
            resolve();
          };
          stdin.once('drain', done);
          stdin.once('close', done);
        });
        return {};
      },
    },
    {
      name: 'exec.closeStdin',
      scope: 'exec',
      handler(params: { stream: string }, ctx) {
        sessionOf(ctx.connection, params.stream).stdin?.end();
        return Promise.resolve({});
      },
    },
    {
      name: 'exec.resize',
      scope: 'exec',
      handler(params: { stream: string; columns: number; rows: number }, ctx) {
        sessionOf(ctx.connection, params.stream).stdout.resize(params.columns, params.rows);
        return Promise.resolve({});
      },
    },
    {
      name: 'exec.kill',
      scope: 'exec',
      handler(params: { stream: string }, ctx) {
        sessionOf(ctx.connection, params.stream).kill.abort(new ApiError('Cancelled', 'killed by the client'));
        return Promise.resolve({});
      },
    },
  ];
  return methods;
};
