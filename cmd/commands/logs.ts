/**
 * `boulder logs NAME [-f] [--service S] [--tail N]`: prints the output of a workspace's container
 * (or one of its services) through its provider; `-f` keeps following until interrupted.
 */

import { UsageError } from '../cli-error.ts';
import { defineCommand, defineOptions, type OptionValues } from '../command.ts';
import { ExitCode } from '../exit-codes.ts';
import { namespaceOf } from '../resources.ts';

/** A parsed `logs` invocation. */
export interface LogsRequest {
  name: string;
  namespace: string;
  follow: boolean;
  service?: string;
  /** Last N lines only; undefined for all. */
  tail?: number;
}

/** Parses `--tail`: a whole number ≥ 0, or -1 for all lines (kubectl's convention). */
export function parseTail(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^-?\d+$/.test(text.trim())) throw new UsageError(`invalid --tail "${text}": give a number of lines`, 'logs');
  const n = Number(text);
  if (n < -1) throw new UsageError(`invalid --tail "${text}": give a number of lines (or -1 for all)`, 'logs');
  return n === -1 ? undefined : n;
}

/** Reads the invocation from parsed flags and positionals. */
export function parseLogsRequest(values: OptionValues<typeof LOGS_OPTIONS>, positionals: readonly string[]): LogsRequest {
  if (positionals.length === 0) throw new UsageError('name the workspace: boulder logs NAME', 'logs');
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"; use --service to pick a service`, 'logs');
  if (values['all-namespaces'] === true) throw new UsageError('-A is not supported; use -n NAMESPACE', 'logs');
  const request: LogsRequest = { name: positionals[0] as string, namespace: namespaceOf(values), follow: values.follow === true };
  const service = values.service;
  if (service !== undefined) request.service = service;
  const tail = parseTail(values.tail);
  if (tail !== undefined) request.tail = tail;
  return request;
}

/** The flags of `boulder logs`. */
const LOGS_OPTIONS = defineOptions({
  follow: { type: 'boolean', short: 'f', description: 'Keep printing new output until interrupted' },
  service: { type: 'string', valueName: 'SERVICE', description: 'Logs of this service container instead of the workspace' },
  tail: { type: 'string', valueName: 'N', description: 'Only the last N lines (-1: all, the default)' },
});

const command = defineCommand({
  name: 'logs',
  summary: 'Print the logs of a workspace container (or one of its services)',
  usage: ['logs NAME [-f] [--service S] [--tail N]'],
  description: ['Examples:', '  boulder logs api --tail 50', '  boulder logs api --service db -f'].join('\n'),
  options: LOGS_OPTIONS,
  async run(deps, { values, positionals }) {
    const request = parseLogsRequest(values, positionals);
    if (deps.nodeApi !== undefined) {
      await (await import('../node/remote.ts')).logsOverApi(deps, deps.nodeApi, request);
      return ExitCode.Ok;
    }
    const [{ openWorkspaceRuntime, cliCluster, cliSprite }, { writableOf }] = await Promise.all([import('../workspace/runtime.ts'), import('../workspace/streams.ts')]);
    const client = await deps.openClient();
    let runtime;
    try {
      runtime = await openWorkspaceRuntime(client, request.namespace, request.name, 'logs', cliCluster(deps, values), cliSprite(deps));
      if (request.follow) await (await import('../workspace/wake.ts')).noteActivity(client, runtime.workspace, 'logs -f');
    } finally {
      await client.close();
    }
    await runtime.provider.logs(runtime.target, {
      follow: request.follow,
      ...(request.service !== undefined ? { service: request.service } : {}),
      ...(request.tail !== undefined ? { tail: request.tail } : {}),
      stdout: writableOf(deps.stdout),
      stderr: writableOf(deps.stderr),
      signal: deps.interruptSignal(),
    });
    return ExitCode.Ok;
  },
});

export default command;
