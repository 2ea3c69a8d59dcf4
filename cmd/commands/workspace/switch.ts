/**
 * `boulder workspace switch NAME`: the same as `boulder switch NAME` (../../workspace/switch.ts).
 */
import { defineCommand } from '../../command.ts';
import { parseSwitchRequest, runSwitch, SWITCH_OPTIONS } from '../../workspace/switch.ts';

/** `workspace switch`. */
export const switchSubcommand = defineCommand({
  name: 'switch',
  summary: 'Make a workspace the active one of its repository, pausing the previous one',
  usage: ['workspace switch NAME [--timeout DURATION] [--no-daemon]'],
  options: SWITCH_OPTIONS,
  run: (deps, { values, positionals }) => runSwitch(deps, parseSwitchRequest(values, positionals, 'switch')),
});
