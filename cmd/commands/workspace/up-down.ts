/**
 * `boulder workspace up|down [NAME]`: the same commands as `boulder up` and `boulder down`, in the
 * spelling of the other workspace subcommands.
 */
import { defineCommand } from '../../command.ts';
import { DOWN_OPTIONS, runDown } from '../../workspace/down.ts';
import { UP_OPTIONS, runUp } from '../../workspace/up.ts';

/** `workspace up`. */
export const upSubcommand = defineCommand({
  name: 'up',
  summary: "Create or update a workspace from its repository's configuration (boulder up)",
  usage: ['workspace up [NAME] [--backend B] [--image I] [--set KEY=VALUE]... [--dry-run [-o yaml|json]] [--wait [--timeout DURATION]] [--no-daemon]'],
  options: UP_OPTIONS,
  run: (deps, input) => runUp(deps, input, 'workspace up'),
});

/** `workspace down`. */
export const downSubcommand = defineCommand({
  name: 'down',
  summary: 'Delete the workspace boulder up made (boulder down)',
  usage: ['workspace down [NAME] [--force] [--wait [--timeout DURATION]] [--no-daemon]'],
  options: DOWN_OPTIONS,
  run: (deps, input) => runDown(deps, input, 'workspace down'),
});
