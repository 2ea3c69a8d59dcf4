/**
 * `boulder down [NAME]`: deletes the workspace `boulder up` made for this repository (NAME defaults
 * to the configuration's workspace.name, i.e. the repository directory's name), like
 * `boulder workspace destroy`, deletes a SyncSession an older `up` rendered beside it, and removes the
 * secret files `up` materialized for it.
 * The same command is `boulder workspace down`.
 */
import { rm } from 'node:fs/promises';
import { namespaceOf } from '../resources.ts';
import { UsageError } from '../cli-error.ts';
import { defineCommand, defineOptions, type CliDeps, type CommandInput } from '../command.ts';
import type { ExitCodeValue } from '../exit-codes.ts';
import { CONFIG_LAYER_OPTIONS } from './config-load.ts';
import { destroyCommand } from './workspace/destroy.ts';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, WORKSPACE_LABEL } from '../../apis/names/index.ts';

/** Runs `down` (shared by `boulder down` and `boulder workspace down`). */
export async function runDown(deps: CliDeps, input: CommandInput<typeof DOWN_OPTIONS>, usageName: string): Promise<ExitCodeValue> {
  const { values, positionals } = input;
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`, usageName);
  let name = positionals[0];
  if (name === undefined) {
    const [{ loadUpSource }, { renderedName }] = await Promise.all([import('./up-source.ts'), import('../../apis/render/workspace.ts')]);
    name = renderedName((await loadUpSource(deps, input, { devcontainer: false })).config);
  }
  const namespace = namespaceOf(values);
  const code = await destroyCommand.run(deps, { values, positionals: [name] });
  await deleteRenderedSyncSession(deps, namespace, name);
  const { secretsDirOf } = await import('../../apis/render/inputs.ts');
  await rm(secretsDirOf(deps.stateDir, namespace, name), { recursive: true, force: true });
  return code;
}

/**
 * Deletes the SyncSession an older `boulder up` rendered beside the workspace (same name, labelled
 * for it), if there is one. `up` renders none any more (the Workspace owns `<name>-sync`, deleted
 * with it), but such a leftover synced the worktree with a host path and must not outlive `down`.
 */
async function deleteRenderedSyncSession(deps: CliDeps, namespace: string, name: string): Promise<void> {
  const { isErrorCode } = await import('../../apis/errors.ts');
  const client = await deps.openClient();
  try {
    const session = await client.get('SyncSession', namespace, name);
    const labels = session.metadata.labels ?? {};
    if (labels[MANAGED_BY_LABEL] !== MANAGED_BY_VALUE || labels[WORKSPACE_LABEL] !== name) return;
    await client.delete('SyncSession', namespace, name);
    deps.stdout.write(`syncsession.nexus.dev "${name}" deleted\n`);
  } catch (err) {
    if (!isErrorCode(err, 'NotFound')) throw err;
  } finally {
    await client.close();
  }
}

/** The options of `down` (also `workspace down`): destroy's, and the configuration flags (they may name the workspace). */
export const DOWN_OPTIONS = defineOptions({
  ...destroyCommand.options,
  ...CONFIG_LAYER_OPTIONS,
});

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
