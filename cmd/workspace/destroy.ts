/**
 * Destroying workspaces: `boulder workspace destroy NAME...` and `boulder down` (which then removes
 * what `up` left beside the workspace). Deletes each workspace (after marking it for a forced
 * cleanup with `--force`), then hands the deletions to deletion.ts (daemon, `--wait`).
 */
import { isErrorCode } from '../../apis/errors.ts';
import { kindByName, type KindInfo, notFoundError } from '../../apis/kinds.ts';

import { UsageError } from '../cli-error.ts';
import { defineOptions, type CliDeps, type CommandInput } from '../command.ts';
import { durationFlag } from '../duration.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import { namespaceOf, singularResource } from '../resources.ts';
import { reportError } from '../report-error.ts';
import { DELETE_WAIT_TIMEOUT_MS, type MarkedObject } from '../deletion.ts';

const USAGE_NAME = 'workspace destroy';

/** The flags of `workspace destroy` (and of `down`). */
export const DESTROY_OPTIONS = defineOptions({
  force: { type: 'boolean', description: 'Remove the worktree even when it has uncommitted changes' },
  wait: { type: 'boolean', description: 'Wait until the workspaces are gone' },
  timeout: { type: 'string', valueName: 'DURATION', description: 'How long --wait waits (default 60s)' },
  'no-daemon': { type: 'boolean', description: 'Do not start a background daemon to clean up' },
});

/** Deletes the workspaces named by the positionals; errors name `workspace destroy`. */
export async function runDestroy(deps: CliDeps, { values, positionals }: CommandInput<typeof DESTROY_OPTIONS>): Promise<ExitCodeValue> {
  if (positionals.length === 0) throw new UsageError('name the workspace to destroy', USAGE_NAME);
  if (values['all-namespaces'] === true) throw new UsageError('-A is not supported; name workspaces of one namespace', USAGE_NAME);
  const timeoutMs = durationFlag(values.timeout, DELETE_WAIT_TIMEOUT_MS, 'timeout', USAGE_NAME);
  const force = values.force === true;
  const namespace = namespaceOf(values);
  const kind = kindByName('Workspace') as KindInfo;
  const { markForceDelete } = await import('./force-delete.ts');
  const client = await deps.openClient();
  let failed: ExitCodeValue | undefined;
  try {
    const deleted: MarkedObject[] = [];
    for (const name of positionals) {
      try {
        if (force) await markForceDelete(client, namespace, name);
        const remaining = await client.delete(kind.kind, namespace, name);
        deps.stdout.write(`${singularResource(kind)} "${name}" deleted\n`);
        deleted.push({ kind, namespace, name, ...(remaining !== undefined ? { remaining } : {}) });
      } catch (err) {
        failed ??= reportError(isErrorCode(err, 'NotFound') ? notFoundError(kind, name, err) : err, deps.stderr);
      }
    }
    if (deleted.length > 0) {
      const { finishDeletion } = await import('../deletion.ts');
      const options = { noDaemon: values['no-daemon'] === true, wait: values.wait === true, timeoutMs };
      failed ??= await finishDeletion(deps, client, deleted, options);
    }
  } finally {
    await client.close();
  }
  return failed ?? ExitCode.Ok;
}
