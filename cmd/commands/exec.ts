/**
 * `boulder exec NAME [-i] [-t] [--service S] -- CMD ARGS...`: runs a command in a workspace's
 * container (or one of its services) through the workspace's provider, from this process, with
 * real stdio: `-i` forwards stdin, `-t` allocates a TTY (the local terminal goes to raw mode and
 * is restored afterwards). Exits with the command's exit code.
 */

import { UsageError } from '../cli-error.ts';
import { defineCommand, defineOptions, type OptionValues } from '../command.ts';
import type { ExitCodeValue } from '../exit-codes.ts';
import type { ExecResult } from '../../controllers/providers/types.ts';
import { namespaceOf } from '../resources.ts';
import type { ExecRequest } from '../exec-request.ts';

/** Exit code when the command was interrupted (Ctrl-C without a TTY), like a shell's 128+SIGINT. */
export const INTERRUPTED_EXIT_CODE = 130;

/** Parses `NAME=VALUE` pairs of `-e`. */
export function parseEnvPairs(pairs: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`invalid --env "${pair}": use NAME=VALUE`, 'exec');
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

/** Reads the invocation from parsed flags and positionals (`NAME CMD ARGS...`, the command after `--`). */
export function parseExecRequest(values: OptionValues<typeof EXEC_OPTIONS>, positionals: readonly string[]): ExecRequest {
  const [name, ...command] = positionals;
  if (name === undefined) throw new UsageError('name the workspace: boulder exec NAME -- CMD [ARGS...]', 'exec');
  if (command.length === 0) throw new UsageError('give the command to run after --, e.g. boulder exec NAME -- sh', 'exec');
  if (values['all-namespaces'] === true) throw new UsageError('-A is not supported; use -n NAMESPACE', 'exec');
  const request: ExecRequest = {
    name,
    namespace: namespaceOf(values),
    command,
    interactive: values.stdin === true,
    tty: values.tty === true,
    env: parseEnvPairs(values.env ?? []),
  };
  const service = values.service;
  if (service !== undefined) request.service = service;
  const workdir = values.workdir;
  if (workdir !== undefined) request.workdir = workdir;
  return request;
}

/** The terminal side of a TTY session: raw mode on while the command runs. */
interface RawModeStream {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

/** Puts a terminal stdin into raw mode; returns the function restoring it (a no-op for non-terminals). */
export function enterRawMode(stdin: RawModeStream): () => void {
  if (stdin.isTTY !== true || stdin.setRawMode === undefined) return () => undefined;
  stdin.setRawMode(true);
  return () => {
    stdin.setRawMode?.(false);
  };
}

/** The flags of `boulder exec`. */
const EXEC_OPTIONS = defineOptions({
  stdin: { type: 'boolean', short: 'i', description: 'Pass stdin to the command' },
  tty: { type: 'boolean', short: 't', description: 'Allocate a terminal for the command' },
  service: { type: 'string', valueName: 'SERVICE', description: 'Run in this service container instead of the workspace' },
  env: { type: 'string', short: 'e', multiple: true, valueName: 'NAME=VALUE', description: 'Set an environment variable (repeatable)' },
  workdir: { type: 'string', short: 'w', valueName: 'DIR', description: 'Working directory inside the container' },
});

const command = defineCommand({
  name: 'exec',
  summary: 'Run a command in a workspace container (or one of its services)',
  usage: ['exec NAME [-i] [-t] [--service S] [-e NAME=VALUE] [-w DIR] -- CMD [ARGS...]'],
  description: [
    'Exits with the command\'s exit code. -it gives an interactive shell; without a terminal on',
    'stdin, -t is ignored with a warning. Not available for backend mock.',
    '',
    'Examples:',
    '  boulder exec api -- npm test',
    '  boulder exec api -it -- bash',
    '  boulder exec api --service db -- psql -U postgres -c "select 1"',
  ].join('\n'),
  options: EXEC_OPTIONS,
  async run(deps, { values, positionals }) {
    const request = parseExecRequest(values, positionals);
    if (deps.nodeApi !== undefined) return (await import('../node/remote.ts')).execOverApi(deps, deps.nodeApi, request);
    const [{ openWorkspaceRuntime, cliCluster, cliSprite }, { writableOf }] = await Promise.all([import('../workspace/runtime.ts'), import('../workspace/streams.ts')]);
    const client = await deps.openClient();
    let runtime;
    try {
      runtime = await openWorkspaceRuntime(client, request.namespace, request.name, 'exec', cliCluster(deps, values), cliSprite(deps));
      // An exec is activity; on a workspace paused for idleness it waits for the daemon to wake it.
      await (await import('../workspace/wake.ts')).noteActivity(client, runtime.workspace, 'exec');
    } finally {
      await client.close();
    }
    const stdin = process.stdin;
    let tty = request.tty;
    if (tty && stdin.isTTY !== true) {
      deps.stderr.write('Unable to use a TTY - input is not a terminal or the right kind of file\n');
      tty = false;
    }
    const signal = deps.interruptSignal();
    const restore = tty && request.interactive ? enterRawMode(stdin) : () => undefined;
    let result: ExecResult;
    try {
      result = await runtime.provider.exec(runtime.target, request.command, {
        tty,
        env: request.env,
        ...(request.service !== undefined ? { service: request.service } : {}),
        ...(request.workdir !== undefined ? { workdir: request.workdir } : {}),
        ...(request.interactive ? { stdin } : {}),
        stdout: writableOf(deps.stdout),
        stderr: writableOf(deps.stderr),
        signal,
      });
    } catch (err) {
      if (signal.aborted) return INTERRUPTED_EXIT_CODE as ExitCodeValue;
      throw err;
    } finally {
      restore();
      if (request.interactive) stdin.pause();
    }
    // Text the provider returned instead of streaming (e.g. why the command could not run).
    if (result.stdout !== '') deps.stdout.write(result.stdout);
    if (result.stderr !== '') deps.stderr.write(result.stderr);
    // The command's own status passes through unchanged (any 0–255), as with kubectl and docker exec.
    return result.exitCode as ExitCodeValue;
  },
});

export default command;
