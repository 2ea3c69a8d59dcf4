/**
 * `boulder switch NAME`: makes NAME the active workspace of its repository (see
 * ../workspace/switch.ts, shared with `boulder workspace switch`).
 */
import { defineCommand } from '../command.ts';
import { parseSwitchRequest, runSwitch, SWITCH_OPTIONS } from '../workspace/switch.ts';

const command = defineCommand({
  name: 'switch',
  summary: 'Make a workspace the active one of its repository, pausing the previous one',
  usage: ['switch NAME [--timeout DURATION] [--no-daemon]'],
  description: [
    'Records NAME as the active workspace of its repository (on the Workspace, where fixed host',
    'ports follow it, and in <repository>/.nexus/current), pauses the previously active workspace',
    'and every other workspace of the same repository declared Running, sets NAME Running, and',
    'waits until it is Ready. A workspace without spec.repository is only made Running.',
    'Prints: switched to NAME in N ms (paused: A, B). Exits 6 when the timeout passes first.',
    '',
    'Examples:',
    '  boulder switch feature-b',
    '  boulder ws switch feature-a --timeout 1m',
  ].join('\n'),
  options: SWITCH_OPTIONS,
  async run(deps, { values, positionals }) {
    return runSwitch(deps, parseSwitchRequest(values, positionals, 'switch'));
  },
});

export default command;
