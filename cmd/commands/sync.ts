/**
 * `boulder sync status|conflicts|flush|pause|resume|reset NAME` and
 * `boulder sync resolve NAME PATH --keep host|container`: inspect and drive a SyncSession (see
 * sync-session.ts, shared with `boulder workspace sync-*`).
 */
import { UsageError } from '../cli-error.ts';
import { defineCommand } from '../command.ts';
import { namespaceOf } from '../resources.ts';
import { runSync, SYNC_SUBCOMMANDS, type SyncSubcommand } from '../sync-session.ts';

const command = defineCommand({
  name: 'sync',
  summary: 'Show and drive file sync sessions: status, conflicts, flush, pause, resume, reset, resolve',
  usage: [
    'sync status|conflicts|flush|pause|resume|reset NAME [--timeout DURATION]',
    'sync resolve NAME PATH --keep host|container [--timeout DURATION]',
  ],
  description: [
    'NAME is a SyncSession or a workspace (its session NAME-sync). flush, reset and resolve are',
    'carried out by the daemon running the session; the command waits for its answer.',
    '',
    'Examples:',
    '  boulder sync status api',
    '  boulder sync resolve api src/app.ts --keep host',
  ].join('\n'),
  options: {
    keep: { type: 'string', valueName: 'SIDE', description: 'resolve: the side whose content stays (host or container)', choices: ['host', 'container'] },
    timeout: { type: 'string', valueName: 'DURATION', description: 'How long to wait for the daemon (default 60s)' },
  },
  async run(deps, { values, positionals }) {
    const [sub, name, path] = positionals;
    if (sub === undefined || !(SYNC_SUBCOMMANDS as readonly string[]).includes(sub)) throw new UsageError(`name a subcommand: ${SYNC_SUBCOMMANDS.join(', ')}`, 'sync');
    if (name === undefined) throw new UsageError('name the sync session or workspace', `sync ${sub}`);
    const keep = values.keep;
    const timeout = values.timeout;
    return runSync(deps, sub as SyncSubcommand, name, {
      namespace: namespaceOf(values),
      ...(path !== undefined ? { path } : {}),
      ...(keep !== undefined ? { keep } : {}),
      ...(timeout !== undefined ? { timeout } : {}),
    });
  },
});

export default command;
