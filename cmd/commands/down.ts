/**
 * `boulder down [NAME]`: deletes the workspace `boulder up` made for this repository (NAME defaults
 * to the configuration's workspace.name, i.e. the repository directory's name), like
 * `boulder workspace destroy`, deletes a SyncSession an older `up` rendered beside it, and removes the
 * secret files `up` materialized for it.
 * The same command is `boulder workspace down`.
 */
import { defineCommand } from '../command.ts';
import { DOWN_OPTIONS, runDown } from '../workspace/down.ts';

const command = defineCommand({
  name: 'down',
  summary: "Delete this repository's workspace (the one boulder up made)",
  usage: ['down [NAME] [--force] [--wait [--timeout DURATION]] [--no-daemon]'],
  description: [
    "NAME defaults to the configuration's workspace.name (the repository directory's name unless",
    '.nexus/config.yaml, --set workspace.name=… or NEXUS_WORKSPACE_NAME say otherwise). The controller',
    'then removes the containers, network, volumes and the worktree (kept when it has uncommitted',
    'changes, unless --force). Secret files boulder up wrote for the workspace are removed.',
    '',
    'Examples:',
    '  boulder down --wait',
    '  boulder down feature-x --force',
  ].join('\n'),
  options: DOWN_OPTIONS,
  run: (deps, input) => runDown(deps, input, 'down'),
});

export default command;
