/**
 * `boulder exec` and `boulder logs` of a user on a multi-user node: through the daemon API
 * (exec.start/… and logs.read), which confines them to the user's own workspaces — the CLI never
 * touches the Docker engine or the store there.
 */
import type { CliDeps } from '../command.ts';
import type { ExitCodeValue } from '../exit-codes.ts';
import type { NodeApiAccess } from './access.ts';
import type { ExecRequest } from '../exec-request.ts';
import { boulderErrorOf, connectNodeApi } from './api-client.ts';

/** Runs the command through the API; resolves to its exit code. */
export async function execOverApi(deps: CliDeps, access: NodeApiAccess, request: ExecRequest): Promise<ExitCodeValue> {
  const api = await connectNodeApi(access);
  try {
    const result = await api.workspace(request.name, { namespace: request.namespace }).exec(request.command, {
      tty: request.tty,
      env: request.env,
      ...(request.service !== undefined ? { service: request.service } : {}),
      ...(request.workdir !== undefined ? { workdir: request.workdir } : {}),
      ...(request.interactive ? { stdin: process.stdin as AsyncIterable<Uint8Array> } : {}),
      onStdout: (data) => deps.stdout.write(Buffer.from(data).toString('utf8')),
      onStderr: (data) => deps.stderr.write(Buffer.from(data).toString('utf8')),
      signal: deps.interruptSignal(),
    });
    return (result.exitCode ?? 130) as ExitCodeValue;
  } catch (err) {
    throw boulderErrorOf(err);
  } finally {
    if (request.interactive) process.stdin.pause();
    api.close();
  }
}

/** Prints the logs through the API. */
export async function logsOverApi(deps: CliDeps, access: NodeApiAccess, request: { name: string; namespace: string; follow: boolean; service?: string; tail?: number }): Promise<void> {
  const api = await connectNodeApi(access);
  try {
    const chunks = api.workspace(request.name, { namespace: request.namespace }).logs({
      follow: request.follow,
      ...(request.service !== undefined ? { service: request.service } : {}),
      ...(request.tail !== undefined ? { tail: request.tail } : {}),
      signal: deps.interruptSignal(),
    });
    for await (const chunk of chunks) (chunk.fd === 'stderr' ? deps.stderr : deps.stdout).write(Buffer.from(chunk.data).toString('utf8'));
  } catch (err) {
    throw boulderErrorOf(err);
  } finally {
    api.close();
  }
}
