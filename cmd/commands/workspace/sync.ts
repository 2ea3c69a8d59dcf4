/**
 * `boulder workspace sync-status|sync-flush|sync-pause|sync-resume NAME`: the design documents'
 * spellings of `boulder sync status|flush|pause|resume` for a workspace's owned sync session.
 */

import { UsageError } from '../../cli-error.ts';
import { defineCommand, defineOptions, type Command } from '../../command.ts';
import { namespaceOf } from '../../resources.ts';
import { runSync, type SyncSubcommand } from '../../sync-session.ts';

/** The flag of `workspace sync-flush`; the other spellings take none. */
const FLUSH_OPTIONS = defineOptions({
  timeout: { type: 'string', valueName: 'DURATION', description: 'How long to wait for the daemon (default 60s)' },
});

function syncSubcommand(sub: SyncSubcommand, summary: string): Command<Partial<typeof FLUSH_OPTIONS>> {
  return defineCommand<Partial<typeof FLUSH_OPTIONS>>({
    name: `sync-${sub}`,
    summary,
    usage: [`workspace sync-${sub} NAME${sub === 'flush' ? ' [--timeout DURATION]' : ''}`],
    options: sub === 'flush' ? FLUSH_OPTIONS : {},
    async run(deps, { values, positionals }) {
      const [name] = positionals;
      if (name === undefined) throw new UsageError('name the workspace', `workspace sync-${sub}`);
      const timeout = values.timeout;
      return runSync(deps, sub, name, { namespace: namespaceOf(values), ...(timeout !== undefined ? { timeout } : {}) });
    },
  });
}

/** The four spellings. */
export const WORKSPACE_SYNC_SUBCOMMANDS: readonly Command[] = [
  syncSubcommand('status', 'Show the workspace\'s file sync status and conflicts'),
  syncSubcommand('flush', 'Run a full sync cycle now and wait for it'),
  syncSubcommand('pause', 'Pause the workspace\'s file sync'),
  syncSubcommand('resume', 'Resume the workspace\'s file sync'),
];
