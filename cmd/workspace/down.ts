/**
 * What `boulder down [NAME]` and `boulder workspace down` do: destroy the workspace `boulder up`
 * made for this repository, delete a SyncSession an older `up` rendered beside it, and remove the
 * secret files `up` materialized for it.
 */
import { rm } from 'node:fs/promises';
import { namespaceOf } from '../resources.ts';
import { UsageError } from '../cli-error.ts';
import { defineOptions, type CliDeps, type CommandInput } from '../command.ts';
import type { ExitCodeValue } from '../exit-codes.ts';
import { CONFIG_LAYER_OPTIONS } from '../config-load.ts';
import { DESTROY_OPTIONS, runDestroy } from './destroy.ts';
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
  const code = await runDestroy(deps, { values, positionals: [name] });
  await deleteRenderedSyncSession(deps, namespace, name);
  const { secretsDirOf } = await import('../../apis/render/inputs.ts');
  await rm(secretsDirOf(deps.nodeApi?.dir ?? deps.stateDir, namespace, name), { recursive: true, force: true });
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
  ...DESTROY_OPTIONS,
  ...CONFIG_LAYER_OPTIONS,
});
