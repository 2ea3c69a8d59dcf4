/**
 * `boulder workspace sync-status|sync-flush|sync-pause|sync-resume NAME`: the design documents'
 * spellings of `boulder sync status|flush|pause|resume` for a workspace's owned sync session.
 */
import { stringOption } from '../../args.ts';
import { UsageError } from '../../cli-error.ts';
import type { Command } from '../../command.ts';
import { namespaceOf } from '../../resources.ts';
import { runSync, type SyncSubcommand } from '../sync.ts';

function syncSubcommand(sub: SyncSubcommand, summary: string): Command {
  return {
    name: `sync-${sub}`,
    summary,
    usage: [`workspace sync-${sub} NAME${sub === 'flush' ? ' [--timeout DURATION]' : ''}`],
    options: sub === 'flush' ? { timeout: { type: 'string', valueName: 'DURATION', description: 'How long to wait for the daemon (default 60s)' } } : {},
    async run(deps, { values, positionals }) {
      const [name] = positionals;
      if (name === undefined) throw new UsageError('name the workspace', `workspace sync-${sub}`);
      const timeout = stringOption(values, 'timeout');
      return runSync(deps, sub, name, { namespace: namespaceOf(values), ...(timeout !== undefined ? { timeout } : {}) });
    },
  };
}

/** The four spellings. */
export const WORKSPACE_SYNC_SUBCOMMANDS: readonly Command[] = [
  syncSubcommand('status', 'Show the workspace\'s file sync status and conflicts'),
  syncSubcommand('flush', 'Run a full sync cycle now and wait for it'),
  syncSubcommand('pause', 'Pause the workspace\'s file sync'),
  syncSubcommand('resume', 'Resume the workspace\'s file sync'),
];
