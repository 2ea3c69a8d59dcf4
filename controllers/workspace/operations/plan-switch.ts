/**
 * Which workspaces `boulder switch` pauses, as a pure function: switching to a workspace of a
 * repository pauses the workspace recorded as that repository's current one (`.nexus/current`)
 * and every other workspace of the same repository that is declared Running.
 */
import { resolve } from 'node:path';
import type { Workspace } from '../../../apis/types/index.ts';
import { desiredStateOf } from '../../../apis/defaulted.ts';

/** What a switch changes besides making the target Running. */
export interface SwitchPlan {
  /** Names of the workspaces to pause, in list order. */
  pause: string[];
}

/** The repository a workspace belongs to, normalised for comparison; undefined when it has none. */
export function repositoryKey(ws: Workspace): string | undefined {
  const path = ws.spec.repository?.path;
  if (path === undefined || path === '') return undefined;
  const absolute = resolve(path);
  return absolute.length > 1 ? absolute.replace(/\/+$/, '') : absolute;
}

/**
 * Plans a switch to `target` among `workspaces` (those of its namespace, target included or not);
 * `current` is the name `.nexus/current` of the target's repository holds, if any. A target
 * without a repository pauses nothing. Workspaces being deleted, and ones not declared Running
 * (already Paused, or deliberately Stopped), are left alone.
 */
export function planSwitch(target: Workspace, workspaces: readonly Workspace[], current: string | undefined): SwitchPlan {
  const repository = repositoryKey(target);
  if (repository === undefined) return { pause: [] };
  const pause = workspaces
    .filter((ws) => ws.metadata.name !== target.metadata.name && ws.metadata.deletionTimestamp === undefined)
    .filter((ws) => ws.metadata.name === current || repositoryKey(ws) === repository)
    .filter((ws) => desiredStateOf(ws) === 'Running')
    .map((ws) => ws.metadata.name);
  return { pause };
}
