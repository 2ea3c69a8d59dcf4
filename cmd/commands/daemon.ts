/**
 * `boulder daemon [status|stop]`: run the controller manager in the foreground (one per state
 * dir), report whether one runs, or stop it.
 */
import { join } from 'node:path';
import { choiceOption } from '../args.ts';
import { UsageError } from '../cli-error.ts';
import { defineCommand, type CliDeps } from '../command.ts';
import { DAEMON_SOCKET_FILE } from '../../apis/config/daemon-settings.ts';
import { daemonPathsOf } from '../daemon/paths.ts';
import { daemonStatus, type DaemonStatus } from '../daemon/protocol.ts';
import { durationFlag } from '../duration.ts';
import { DAEMON_NOT_RUNNING, ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import { humanDuration } from '../print/age.ts';

/** Default time `daemon stop` waits (the manager itself gives in-flight reconciles 30 s). */
const STOP_TIMEOUT_MS = 40_000;

/** The API's lines of `daemon status`: where it listens, connections, calls per method. */
export function apiStatusLines(api: DaemonStatus['api']): string[] {
  if (api === undefined) return [];
  const methods = Object.entries(api.methods);
  return [
    `  api:        ${api.listening.join(', ')}`,
    `  api conns:  ${api.connections} open, ${api.connectionsTotal} since start`,
    ...(methods.length === 0 ? ['  api calls:  none'] : ['  api calls:', ...methods.map(([name, m]) => `    ${name.padEnd(22)} ${m.calls}${m.errors === 0 ? '' : ` (${m.errors} failed)`}`)]),
  ];
}

/** `boulder daemon status`. */
async function showStatus(deps: CliDeps, json: boolean): Promise<ExitCodeValue> {
  const paths = daemonPathsOf(deps);
  const status = await daemonStatus(paths.socket);
  // The socket is worth a line when it is not the usual <state dir>/daemon.sock (or a daemon runs).
  const socketLine = `  socket:     ${paths.socket}${paths.socketSetBy === undefined ? '' : ` (${paths.socketSetBy})`}`;
  const unusualSocket = paths.socket !== join(deps.stateDir, DAEMON_SOCKET_FILE);
  if (json) {
    const body = status === undefined ? { running: false, stateDir: deps.stateDir, socket: paths.socket } : { running: true, ...status, socket: paths.socket, log: paths.log };
    deps.stdout.write(`${JSON.stringify(body, null, 4)}\n`);
  } else if (status === undefined) {
    deps.stdout.write(`boulder daemon is not running\n  state dir:  ${deps.stateDir}\n${unusualSocket ? `${socketLine}\n` : ''}`);
  } else {
    const uptime = humanDuration(deps.clock.now().getTime() - Date.parse(status.startedAt));
    deps.stdout.write(
      [
        'boulder daemon is running',
        `  pid:        ${status.pid}`,
        `  uptime:     ${uptime}`,
        `  state dir:  ${status.stateDir}${status.stateDir === deps.stateDir ? '' : ` (not ${deps.stateDir}: the socket is shared)`}`,
        socketLine,
        `  log:        ${paths.log}`,
        `  version:    v${status.version}`,
        ...apiStatusLines(status.api),
        '',
      ].join('\n'),
    );
  }
  return status === undefined ? DAEMON_NOT_RUNNING : ExitCode.Ok;
}

/** `boulder daemon stop`. */
async function stop(deps: CliDeps, timeoutMs: number): Promise<ExitCodeValue> {
  const { stopDaemon } = await import('../daemon/background.ts');
  const stopped = await stopDaemon(deps, timeoutMs);
  deps.stdout.write(stopped === undefined ? `boulder daemon is not running for ${deps.stateDir}\n` : `boulder daemon stopped (pid ${stopped.pid})\n`);
  return ExitCode.Ok;
}

const command = defineCommand({
  name: 'daemon',
  summary: 'Run the controller manager in the foreground, or report on / stop the running one',
  usage: ['daemon', 'daemon status [-o json]', 'daemon stop [--timeout DURATION]'],
  description: [
    'One daemon runs per state dir; a second one refuses to start. It listens on',
    '<state dir>/daemon.sock (configuration daemon.socket), logs JSON lines to',
    '<state dir>/logs/daemon.log at level info (daemon.log_level, NEXUS_LOG_LEVEL) and stops',
    'gracefully on SIGINT/SIGTERM or `boulder daemon stop`. The state dir is --state-dir, else',
    'NEXUS_STATE_DIR, else daemon.state_dir of the node configuration, else',
    'multi_user.state_dir on a multi-user node, else ~/.nexus/state.',
    '`boulder apply`, `up`, `delete`, `down` and `workspace` commands start one in the background',
    'when none runs (unless --no-daemon); every --wait warns when none runs.',
    '',
    'Exit codes of `daemon status`: 0 running, 3 not running.',
  ].join('\n'),
  options: {
    output: { type: 'string', short: 'o', valueName: 'FORMAT', description: 'status: output format (json)', choices: ['json'] },
    timeout: { type: 'string', valueName: 'DURATION', description: 'stop: how long to wait for the daemon to exit (default 40s)' },
  },
  async run(deps, { values, positionals }) {
    const [sub, ...extra] = positionals;
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`, 'daemon');
    const json = choiceOption(values, 'output', ['json'] as const, 'daemon') === 'json';
    if (sub === undefined) {
      const { runDaemon } = await import('../daemon/run.ts');
      return runDaemon(deps, values);
    }
    if (sub === 'status') return showStatus(deps, json);
    if (sub === 'stop') return stop(deps, durationFlag(values.timeout, STOP_TIMEOUT_MS, 'timeout', 'daemon'));
    throw new UsageError(`unknown daemon subcommand "${sub}" (use status or stop)`, 'daemon');
  },
});

export default command;
