/**
 * `boulder workspace destroy NAME... [--force] [--wait]`: deletes workspaces. Their controller then
 * removes containers, network, volumes and the worktree (kept when it has uncommitted changes,
 * unless `--force`, which first marks the workspace with `nexus.dev/force-delete`).
 */
import { defineCommand } from '../../command.ts';
import { DESTROY_OPTIONS, runDestroy } from '../../workspace/destroy.ts';

/** `workspace destroy`. */
export const destroyCommand = defineCommand({
  name: 'destroy',
  summary: 'Delete workspaces and everything they run',
  usage: ['workspace destroy NAME... [--force] [--wait [--timeout DURATION]] [--no-daemon]'],
  options: DESTROY_OPTIONS,
  run: runDestroy,
});
