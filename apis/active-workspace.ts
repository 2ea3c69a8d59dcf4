/**
 * The active workspace of a repository (`boulder switch`), recorded on the Workspaces themselves,
 * so every controller — the user's daemon on the embedded store and a controller in a cluster —
 * sees it the same way. One owner: only the switch (`writeSwitch` of
 * controllers/workspace/operations/operations.ts) writes the annotation, on the workspace it
 * switches to; no controller writes it, and `boulder apply`/`up` merge annotations over the stored
 * ones, so a re-apply keeps it. The active workspace
 * of a repository is the one whose record is the latest; older records on the others need no
 * clearing. `<repo>/.nexus/current` is a convenience copy the CLI writes and no controller reads.
 */
import { DEFAULT_NAMESPACE } from './meta.ts';
import type { Workspace } from './types/index.ts';
import { ACTIVE_WORKSPACE_SINCE_ANNOTATION } from './names/index.ts';

/** The workspace recorded as active: its namespace and name. */
export interface ActiveWorkspace {
  namespace: string;
  name: string;
}

/** Milliseconds since the epoch of `ws`'s active-workspace record; undefined when it has none (or not a time). */
export function activeSince(ws: Workspace): number | undefined {
  const value = ws.metadata.annotations?.[ACTIVE_WORKSPACE_SINCE_ANNOTATION];
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * The active one among `workspaces` (pass those of one repository): the one switched to last,
 * ignoring workspaces being deleted; ties go to the first by `namespace/name`. Undefined when none
 * was ever switched to. Pure.
 */
export function activeWorkspace(workspaces: readonly Workspace[]): ActiveWorkspace | undefined {
  let best: { at: number; ref: ActiveWorkspace } | undefined;
  for (const ws of workspaces) {
    const at = activeSince(ws);
    if (at === undefined || ws.metadata.deletionTimestamp !== undefined) continue;
    const ref = { namespace: ws.metadata.namespace ?? DEFAULT_NAMESPACE, name: ws.metadata.name };
    const later = best === undefined || at > best.at || (at === best.at && `${ref.namespace}/${ref.name}` < `${best.ref.namespace}/${best.ref.name}`);
    if (later) best = { at, ref };
  }
  return best?.ref;
}
