/**
 * Workspace lifecycle operations shared by the CLI (`workspace start|stop|pause`, `switch`) and the
 * daemon API (`workspaces.*`): each is a conflict-retrying write of the Workspace through the
 * ResourceClient; waiting for Ready is the caller's business. They live under controllers/, below
 * both cmd/ and server/ (nothing outside cmd/ imports cmd/: test/structure/layering.test.ts), in
 * the Workspace kind's folder whose controller acts on what they write.
 */
import { existsSync } from 'node:fs';
import type { ResourceClient } from '../../../apis/client/types.ts';
import { kindByName, notFoundError } from '../../../apis/kinds.ts';
import type { Workspace } from '../../../apis/types/index.ts';
import { readCurrentWorkspace, writeCurrentWorkspace } from '../../worktree/current.ts';
import { planSwitch } from './plan-switch.ts';
import { withState, type WorkspaceState } from './state.ts';
import { updateWithRetry, type UpdateOutcome } from '../../../apis/client/update.ts';
import { ACTIVE_WORKSPACE_SINCE_ANNOTATION, SWITCH_REQUESTED_AT_ANNOTATION } from '../../../apis/names/index.ts';

/** Sets `spec.state` of one workspace (no write when it already is); NotFound propagates. */
export async function setWorkspaceState(client: ResourceClient, namespace: string, name: string, state: WorkspaceState): Promise<UpdateOutcome<Workspace>> {
  return updateWithRetry<Workspace>(client, { kind: 'Workspace', namespace, name }, (ws) => withState(ws, state));
}

/** What a switch will do, before it writes anything. */
export interface PreparedSwitch {
  target: Workspace;
  /** Workspaces of the namespace as listed. */
  listed: Workspace[];
  /** Names of the workspaces the switch pauses. */
  pause: string[];
  /** The target's repository (where `.nexus/current` is written), if any. */
  repository?: string;
}

/**
 * Plans a switch to `name`: NotFoundError when there is no such workspace, an Error with code
 * `Conflict` semantics (message) when it is being deleted. Writes nothing.
 */
export async function prepareSwitch(client: ResourceClient, namespace: string, name: string): Promise<PreparedSwitch> {
  const listed = (await client.list<Workspace>('Workspace', { namespace })).items;
  const target = listed.find((ws) => ws.metadata.name === name);
  if (target === undefined) throw notFoundError(kindByName('Workspace')!, name);
  const repository = target.spec.repository?.path;
  const current = repository === undefined ? undefined : await readCurrentWorkspace(repository);
  const { pause } = planSwitch(target, listed, current);
  return { target, listed, pause, ...(repository === undefined ? {} : { repository }) };
}

/**
 * Performs a prepared switch. First, in one write, the target is recorded as its repository's
 * active workspace (the ACTIVE_WORKSPACE_SINCE_ANNOTATION annotation, which the controllers read: fixed host
 * ports follow it) and made Running with the switch annotation, so controllers reacting to the
 * later updates already see the new owner; then, in parallel, the planned workspaces are paused
 * and, as a convenience for scripts, `<repository>/.nexus/current` is written when the repository
 * exists here.
 */
export async function writeSwitch(client: ResourceClient, prepared: PreparedSwitch, requestedAt: string): Promise<void> {
  const { target, listed, pause, repository } = prepared;
  const namespace = target.metadata.namespace ?? 'default';
  const address = { kind: 'Workspace' as const, namespace, name: target.metadata.name };
  // One write makes the target active and Running: its unpause and the move of its fixed host
  // ports start at once, overlapping the pauses (which only free what it takes over).
  const active: Record<string, string> = repository !== undefined ? { [ACTIVE_WORKSPACE_SINCE_ANNOTATION]: requestedAt } : {};
  await updateWithRetry<Workspace>(client, address, (ws) => withState(ws, 'Running', { ...active, [SWITCH_REQUESTED_AT_ANNOTATION]: requestedAt }), target);
  const current = repository !== undefined && existsSync(repository) ? writeCurrentWorkspace(repository, target.metadata.name) : undefined;
  // The others are paused in parallel: each is its own object, its own reconcile.
  await Promise.all([
    current,
    ...pause.map((name) => updateWithRetry<Workspace>(client, { kind: 'Workspace', namespace, name }, (ws) => withState(ws, 'Paused'), listed.find((ws) => ws.metadata.name === name))),
  ]);
}
