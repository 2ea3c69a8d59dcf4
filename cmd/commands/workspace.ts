/**
 * `boulder workspace SUBCOMMAND` (alias `boulder ws`): create, start, stop, pause, switch, destroy
 * and list workspaces, and up/down (`boulder up|down`: from the repository's configuration). The dispatcher accepts the union of its subcommands' flags (the CLI parses
 * flags before it knows the subcommand), then rejects any flag the chosen subcommand lacks.
 */
import { GLOBAL_OPTIONS } from '../args.ts';
import { UsageError } from '../cli-error.ts';
import { defineCommand, type Command, type OptionSpec } from '../command.ts';
import { CHECKPOINT_SUBCOMMANDS } from './workspace/checkpoint.ts';
import { createCommand } from './workspace/create.ts';
import { destroyCommand } from './workspace/destroy.ts';
import { pauseCommand, startCommand, stopCommand } from './workspace/lifecycle.ts';
import { listCommand } from './workspace/list.ts';
import { WORKSPACE_SYNC_SUBCOMMANDS } from './workspace/sync.ts';
import { downSubcommand, upSubcommand } from './workspace/up-down.ts';
import { switchSubcommand } from './workspace/switch.ts';

/** The subcommands, in the order help lists them. */
export const WORKSPACE_SUBCOMMANDS: readonly Command[] = [
  createCommand,
  startCommand,
  stopCommand,
  pauseCommand,
  switchSubcommand,
  destroyCommand,
  listCommand,
  upSubcommand,
  downSubcommand,
  ...WORKSPACE_SYNC_SUBCOMMANDS,
  ...CHECKPOINT_SUBCOMMANDS,
];

/** Every flag of every subcommand (the first spec of a name wins; same-named flags have the same type). */
export function unionOptions(commands: readonly Command[]): Record<string, OptionSpec> {
  const union: Record<string, OptionSpec> = {};
  for (const command of commands) {
    for (const [name, spec] of Object.entries(command.options)) union[name] ??= spec;
  }
  return union;
}

/** Throws a usage error naming the first flag given that `command` does not take. */
export function checkFlags(command: Command, values: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined || name in GLOBAL_OPTIONS || name in command.options) continue;
    throw new UsageError(`unknown flag: --${name} (not a flag of "workspace ${command.name}")`, 'workspace');
  }
}

const width = Math.max(...WORKSPACE_SUBCOMMANDS.map((c) => c.name.length));

const command = defineCommand({
  name: 'workspace',
  summary: 'Create, start, stop, pause, switch, destroy, list, up and down workspaces (alias: ws)',
  usage: WORKSPACE_SUBCOMMANDS.flatMap((c) => c.usage),
  description: [
    'Subcommands:',
    ...WORKSPACE_SUBCOMMANDS.map((c) => `  ${c.name.padEnd(width)}   ${c.summary}`),
    '',
    '`boulder ws` is the same command. Options below are the union of the subcommands\' flags;',
    'each subcommand accepts only the flags its usage line shows.',
    '',
    'Examples:',
    '  boulder ws create api --image node:24-bookworm --repo . --wait',
    '  boulder ws pause api',
    '  boulder ws switch web',
    '  boulder ws destroy api --force',
    '  boulder ws up --wait        # this repository, from .nexus/config.yaml (boulder up)',
    '  boulder ws checkpoint api --comment "deps installed"   # sprite workspaces',
    '  boulder ws restore api v2 --yes',
  ].join('\n'),
  options: unionOptions(WORKSPACE_SUBCOMMANDS),
  async run(deps, { values, positionals }) {
    const [name, ...rest] = positionals;
    if (name === undefined) throw new UsageError(`name a subcommand: ${WORKSPACE_SUBCOMMANDS.map((c) => c.name).join(', ')}`, 'workspace');
    const sub = WORKSPACE_SUBCOMMANDS.find((c) => c.name === name);
    if (sub === undefined) throw new UsageError(`unknown subcommand "${name}" for "boulder workspace"; use one of ${WORKSPACE_SUBCOMMANDS.map((c) => c.name).join(', ')}`, 'workspace');
    checkFlags(sub, values);
    return sub.run(deps, { values, positionals: rest });
  },
});

export default command;
