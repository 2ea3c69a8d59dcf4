/**
 * `boulder up [NAME]`: renders the workspace of the repository (from `.nexus/config.yaml` and every
 * configuration layer, or from the repository's devcontainer.json when it has no project file) and
 * applies it like `boulder apply`; `--dry-run` prints the manifests instead, ready to be committed.
 * The same command is `boulder workspace up`.
 */
import { defineCommand } from '../command.ts';
import { runUp, UP_DESCRIPTION, UP_OPTIONS } from '../workspace/up.ts';

const command = defineCommand({
  name: 'up',
  summary: "Create or update this repository's workspace from .nexus/config.yaml (or devcontainer.json)",
  usage: ['up [NAME] [--backend B] [--image I] [--set KEY=VALUE]... [--dry-run [-o yaml|json]] [--wait [--timeout DURATION]] [--no-daemon]'],
  description: UP_DESCRIPTION,
  options: UP_OPTIONS,
  run: (deps, input) => runUp(deps, input, 'up'),
});

export default command;
