/**
 * Pure changes of a Workspace's lifecycle fields: `spec.state` and the annotations through which
 * the CLI asks the controller for one-off behaviour (switch timing, forced worktree removal).
 */
import type { Workspace } from '../../../apis/types/index.ts';

/** Lifecycle states of `spec.state`. */
export const WORKSPACE_STATES = ['Running', 'Stopped', 'Paused'] as const;

/** One of WORKSPACE_STATES. */
export type WorkspaceState = (typeof WORKSPACE_STATES)[number];

/**
 * `ws` with `spec.state` = `state` and `annotations` merged in; undefined when it already has
 * exactly those (so no write is needed).
 */
export function withState(ws: Workspace, state: WorkspaceState | undefined, annotations: Record<string, string> = {}): Workspace | undefined {
  const current = ws.metadata.annotations ?? {};
  const annotationsSet = Object.entries(annotations).every(([k, v]) => current[k] === v);
  const stateSet = state === undefined || ws.spec.state === state;
  if (annotationsSet && stateSet) return undefined;
  return {
    ...ws,
    metadata: { ...ws.metadata, annotations: { ...current, ...annotations } },
    spec: state === undefined ? ws.spec : { ...ws.spec, state },
  };
}
