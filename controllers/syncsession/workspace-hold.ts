/**
 * A Workspace holds the sync of the SyncSession it owns while it is not Running (stopped, or
 * paused by a switch). The session's engine is paused when `spec.paused` (the user's intent, set by
 * `boulder sync pause`) or this hold says so; neither overwrites the other: the Workspace
 * controller never writes `spec.paused` (workspace/owned-fields.ts), and the hold is read here
 * from the owning Workspace's spec.state, never copied into the session. The SyncSession
 * controller's declared watch of Workspaces (`workspaceHoldWatch`) wakes the owned session when
 * that state changes.
 */
import type { ResourceClient } from '../../apis/client/types.ts';
import { getIfExists } from '../../apis/client/get-if-exists.ts';
import { DEFAULT_NAMESPACE, objectKey } from '../../apis/meta.ts';
import type { Workspace } from '../../apis/types/index.ts';
import type { SyncSession } from '../../apis/types/syncsession.ts';
import { watches, type Watch } from '../runtime/watches.ts';
import { ownedSyncSessionName } from '../../apis/sync-session-name.ts';
import { defaulted, desiredStateOf } from '../../apis/defaulted.ts';

/** The uid of the Workspace that controls `session` (its controller owner reference), if any. */
export function controllingWorkspaceUid(session: SyncSession): string | undefined {
  return (session.metadata.ownerReferences ?? []).find((r) => r.controller === true && r.kind === 'Workspace')?.uid;
}

/**
 * Why `owner` holds `session`'s sync, or undefined when it does not (pure): only the Workspace
 * that controls the session (same uid) holds it, and only while its spec.state is not Running.
 */
export function workspaceHold(session: SyncSession, owner: Workspace | undefined): string | undefined {
  if (owner === undefined || owner.metadata.uid === undefined || owner.metadata.uid !== controllingWorkspaceUid(session)) return undefined;
  const state = desiredStateOf(owner);
  return state === 'Running' ? undefined : `workspace ${owner.metadata.name} is ${state}`;
}

/** The Workspace that controls `session`, or undefined (standalone session, or the workspace is gone). */
export async function owningWorkspace(client: ResourceClient, session: SyncSession): Promise<Workspace | undefined> {
  const uid = controllingWorkspaceUid(session);
  const name = (session.metadata.ownerReferences ?? []).find((r) => r.uid === uid)?.name;
  if (uid === undefined || name === undefined) return undefined;
  const ws = await getIfExists<Workspace>(client, 'Workspace', session.metadata.namespace ?? DEFAULT_NAMESPACE, name);
  return ws?.metadata.uid === uid ? ws : undefined;
}

/** Key (`namespace/name`) of the session `ws` owns: `<workspace>-sync` (apis/sync-session-name.ts). */
export function ownedSessionKey(ws: Workspace): string {
  return `${ws.metadata.namespace ?? DEFAULT_NAMESPACE}/${ownedSyncSessionName(ws.metadata.name)}`;
}

/**
 * The SyncSession controller's watch of Workspaces: a file-synced workspace whose spec.state
 * changed (or that is being deleted) enqueues the session it owns. Remembers each workspace's
 * last state, so the frequent status writes of a workspace wake nothing.
 */
export function workspaceHoldWatch(): Watch {
  const states = new Map<string, string>();
  return watches<Workspace>('Workspace', (ws) => {
    if (ws.spec === undefined || defaulted(ws).spec.sync.mode === 'bind') return [];
    const key = objectKey(ws);
    const state = ws.metadata.deletionTimestamp === undefined ? desiredStateOf(ws) : 'Deleting';
    if (states.get(key) === state) return [];
    states.set(key, state);
    return [{ key: ownedSessionKey(ws), reason: `its workspace is ${state}` }];
  });
}
